"""The matcher at scale: the numpy path picks exactly what the Python path picks, and the
engine gives the same replies from many threads at once."""

from __future__ import annotations

import random
import sys
import threading

import pytest

from bot import matching, normalize
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.matching import QUESTION_SCORER, Document, Index, Weights
from bot.normalize import Query


def _query(tokens: list[str]) -> Query:
    return Query(" ".join(tokens), tuple(tokens), tuple(tokens), (), 0)


def _synthetic_index(docs: int, seed: int) -> Index:
    """Documents over a skewed vocabulary: a few words in most documents, many rare ones."""
    rng = random.Random(seed)
    common = [f"c{i}" for i in range(8)]
    rare = [f"r{i}" for i in range(400)]
    built = []
    for n in range(docs):
        words = {w for w in common if rng.random() < 0.35} | set(rng.sample(rare, rng.randint(0, 4)))
        words = words or {rng.choice(rare)}
        built.append(Document("faq", f"e{n // 5}", " ".join(sorted(words)), frozenset()))
    return Index(built, QUESTION_SCORER, Weights())


def test_numpy_and_python_paths_pick_the_same_candidates() -> None:
    pytest.importorskip("numpy")
    index = _synthetic_index(matching.NUMPY_MIN_DOCS + 500, seed=7)
    assert index._arrays is not None
    rng = random.Random(3)
    vocabulary = sorted(index._postings)
    for _ in range(300):
        words = rng.sample(vocabulary, rng.randint(1, 20))
        tokens = index._query_tokens(_query(words))
        shared = index._overlap(tokens)
        ids = sorted(sorted(shared), key=shared.__getitem__, reverse=True)[:Weights().candidates]
        assert index._candidates_numpy(tokens, Weights().candidates) == (ids, [shared[i] for i in ids])


def test_candidate_ties_go_to_the_lower_document_id() -> None:
    docs = [Document("faq", f"e{n}", "same words", frozenset()) for n in range(100)]
    index = Index(docs, QUESTION_SCORER, Weights())
    ids, _ = index._candidates(index._query_tokens(_query(["same", "words"])))
    assert ids == list(range(Weights().candidates))


def test_a_question_with_exactly_a_phrasings_words_gets_full_overlap(engine: Engine) -> None:
    index = engine.index
    for doc in index.docs[:200]:
        words = doc.content.split()
        tokens = index._query_tokens(_query(words))
        ids, shared = index._candidates(tokens)
        i = index.docs.index(doc)
        if i in ids:
            assert shared[ids.index(i)] == index._mass[i]


def test_the_engine_answers_alike_from_many_threads(kb: KnowledgeBase) -> None:
    questions = [
        "whats teh diff btwn kpo n bpo", "is payroll BPO or KPO?", "who earns more?",
        "researching competitors pricing strategies is that kpo", "best pizza in town?",
        "explain knowledge process outsourcing to me like im 5", "kpo vs bpo salaries",
        "outsourcing equity research analysts", "hello", "what does a bpo do all day",
    ]
    expected = [Engine(kb).reply(q) for q in questions]
    engine = Engine(kb)
    normalize.stem.cache_clear()  # the stemmer itself, not its cache, must be shared safely
    failures: list[str] = []

    def ask(offset: int) -> None:
        for n in range(len(questions) * 3):
            i = (n + offset) % len(questions)
            try:
                reply = engine.reply(questions[i])
            except Exception as exc:  # noqa: BLE001 - report any failure from the thread
                failures.append(f"{questions[i]!r}: {exc!r}")
                continue
            if reply != expected[i]:
                failures.append(f"{questions[i]!r}: {reply.kind} {reply.entry}")

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=ask, args=(k,)) for k in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[:5]


def test_long_questions_take_either_path_alike() -> None:
    pytest.importorskip("numpy")
    index = _synthetic_index(matching.NUMPY_MIN_DOCS + 500, seed=11)
    words = sorted(index._postings)[:120]
    for count in (17, 40, 62, 63, 120):
        tokens = index._query_tokens(_query(words[:count]))
        shared = index._overlap(tokens)
        ids = sorted(sorted(shared), key=shared.__getitem__, reverse=True)[:Weights().candidates]
        assert index._candidates(tokens) == (ids, [shared[i] for i in ids])
        assert index._candidates_numpy(tokens, Weights().candidates) == (ids, [shared[i] for i in ids])


def test_a_common_word_with_rare_ones_takes_either_path_alike() -> None:
    pytest.importorskip("numpy")
    index = _synthetic_index(matching.NUMPY_MIN_DOCS + 500, seed=5)
    rng = random.Random(9)
    for rare in range(0, 5):
        for _ in range(20):
            words = [f"c{rng.randrange(8)}"] + [f"r{rng.randrange(400)}" for _ in range(rare)]
            tokens = index._query_tokens(_query(words))
            shared = index._overlap(tokens)
            ids = sorted(sorted(shared), key=shared.__getitem__, reverse=True)[:Weights().candidates]
            assert index._candidates_numpy(tokens, Weights().candidates) == (ids, [shared[i] for i in ids])


def test_a_target_whose_phrasings_hold_the_question_between_them_ranks_first() -> None:
    docs = [Document("faq", "mixed", "why call centre", frozenset()),
            Document("faq", "mixed", "classic example", frozenset()),
            Document("faq", "other", "why classic film", frozenset())]
    query = _query(["why", "classic", "example", "centre"])
    plain = Index(docs, QUESTION_SCORER, Weights(profile=0.0)).search(query, frozenset())
    profiled = Index(docs, QUESTION_SCORER, Weights()).search(query, frozenset())
    assert {h.target: h.score for h in profiled}["mixed"] > {h.target: h.score for h in plain}["mixed"]
    assert profiled[0].target == "mixed"


def test_a_one_word_question_gets_no_profile() -> None:
    docs = [Document("faq", "a", "alpha beta", frozenset()), Document("faq", "b", "gamma", frozenset())]
    query = _query(["alpha"])
    plain = Index(docs, QUESTION_SCORER, Weights(profile=0.0)).search(query, frozenset())
    assert Index(docs, QUESTION_SCORER, Weights()).search(query, frozenset()) == plain
