"""Fuzzy search over the knowledge base: candidates from a token index, scores from rapidfuzz.

Each searchable kind (FAQ entry, out-of-scope topic, example task) is a list of
documents that know how they score against a query. A token index picks the
documents that share a word with the query before rapidfuzz scores them, so the
cost follows the words a question shares with the knowledge base, not its size.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.normalize import Normalizer, Query

Scorer = Callable[..., float]


@dataclass(frozen=True)
class Document:
    """One phrasing of one target (an FAQ entry, a topic, a task), already normalised."""

    kind: str
    target: str
    content: str
    keyterms: frozenset[str]


@dataclass(frozen=True)
class Hit:
    """A target's best score for a query."""

    kind: str
    target: str
    score: float


@dataclass(frozen=True)
class Weights:
    """How a phrasing's score is made; chosen by measuring on tests/data/dev.yaml."""

    lexical: float = 0.6
    """Share of the score from IDF-weighted word overlap (the rest is rapidfuzz's score)."""
    missing_keyterm: float = 14.0
    """A phrasing names KPO and the question only BPO (or the reverse): different questions."""
    extra_keyterm: float = 10.0
    """The question names a key term the phrasing lacks."""
    unknown_word: float = 15.0
    """Taken off in proportion to the question's words found nowhere in the knowledge base."""
    candidates: int = 60
    """How many index candidates rapidfuzz scores."""


class Index:
    """Documents of one or more kinds, with a token index and a rapidfuzz scorer."""

    def __init__(self, docs: Iterable[Document], scorer: Scorer, weights: Weights) -> None:
        self.docs = list(docs)
        self.scorer = scorer
        self.weights = weights
        postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            for token in set(doc.content.split()):
                postings[token].append(i)
        total = max(len(self.docs), 1)
        self._postings = dict(postings)
        self._idf = {t: math.log(1 + total / len(ids)) for t, ids in postings.items()}
        self._unknown_idf = math.log(1 + total)
        self._mass = [sum(self._idf[t] for t in set(d.content.split())) for d in self.docs]


    def overlap(self, query: Query) -> dict[int, float]:
        """IDF mass each document shares with the query (documents sharing nothing are absent)."""
        shared: dict[int, float] = defaultdict(float)
        for token in set(query.content):
            idf = self._idf.get(token)
            if idf is not None:
                for i in self._postings[token]:
                    shared[i] += idf
        return shared

    def search(self, query: Query, keyterms: frozenset[str], limit: int = 5) -> list[Hit]:
        """The best targets for a query, one hit per target, best first."""
        shared = self.overlap(query)
        if not shared:
            return []
        ids = sorted(shared, key=shared.__getitem__, reverse=True)[: self.weights.candidates]
        asked = sum(self._idf.get(t, self._unknown_idf) for t in set(query.content))
        fuzzy = process.extract(query.content_text, {i: self.docs[i].content for i in ids},
                                scorer=self.scorer, processor=None, limit=None)
        best: dict[tuple[str, str], float] = {}
        mix = self.weights.lexical
        unknown = self.weights.unknown_word * len(query.unknown) / max(len(query.content), 1)
        for _, score, i in fuzzy:
            doc = self.docs[i]
            lexical = _f1(shared[i] / asked, shared[i] / self._mass[i])
            final = (1 - mix) * score + mix * 100 * lexical
            key = (doc.kind, doc.target)
            final -= unknown + self._keyterm_penalty(keyterms, doc.keyterms)
            if final > best.get(key, -1.0):
                best[key] = final
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:limit]
        return [Hit(kind, target, round(max(score, 0.0), 1)) for (kind, target), score in ranked]

    def _keyterm_penalty(self, asked: frozenset[str], phrased: frozenset[str]) -> float:
        if not phrased:
            return 0.0
        return (self.weights.missing_keyterm * len(phrased - asked)
                + self.weights.extra_keyterm * len(asked - phrased))


def _f1(recall: float, precision: float) -> float:
    """Harmonic mean: high only when the question and the phrasing cover each other."""
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def build_documents(normalizer: Normalizer, kind: str,
                    targets: Iterable[tuple[str, Iterable[str]]]) -> list[Document]:
    """Normalised documents for (target id, phrasings) pairs of one kind."""
    docs: list[Document] = []
    for target, phrasings in targets:
        seen: set[str] = set()
        for phrasing in phrasings:
            content = normalizer.content(phrasing)
            if content and content not in seen:
                seen.add(content)
                terms = frozenset(content.split()) & normalizer.keyterms
                docs.append(Document(kind, target, content, terms))
    return docs


QUESTION_SCORER: Scorer = fuzz.WRatio
TASK_SCORER: Scorer = fuzz.token_set_ratio
