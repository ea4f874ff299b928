"""The engine against what a developer would otherwise reach for, on the held-out set.

    .venv/bin/python -m pip install -e ".[bench]"    # scikit-learn and numpy, once
    .venv/bin/python benchmarks/baselines.py

Prints one table; it is not a test. Every method answers the questions of
tests/data/eval.yaml and is scored by bot.evaluate, exactly as `kpo-bot kb eval`
scores the engine:

- engine: the project's Engine.reply (normalisation, token index, rapidfuzz and
  IDF overlap, thresholds; latency includes rendering the reply);
- difflib: difflib.get_close_matches over every phrasing (lower-cased);
- rapidfuzz: process.extractOne with WRatio over every phrasing, no
  normalisation, no synonyms, score_cutoff 0 (so it always answers);
- TF-IDF: scikit-learn's TfidfVectorizer over every phrasing, cosine similarity,
  best phrasing.

A baseline's phrasings are the FAQ questions and phrasings (each maps to its
entry) and the example tasks' names and aliases (a match gives that task's
verdict). It rejects an off-topic question only when it returns nothing, i.e.
its best phrasing is under its cutoff. The cutoffs of difflib and TF-IDF, and
TF-IDF's analyzer, are chosen on tests/data/dev.yaml; tests/data/eval.yaml is
only measured.
"""

from __future__ import annotations

import difflib
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.engine import Engine
from bot.evaluate import Item, Report, evaluate, load_items
from bot.knowledge import KnowledgeBase, load
from bot.reply import Reply

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev.yaml"
HELD_OUT = ROOT / "tests" / "data" / "eval.yaml"
ROUNDS = 3

Match = tuple[str, float] | None
"""The best phrasing and its score, or None."""


def phrasings(kb: KnowledgeBase) -> dict[str, tuple[str, str]]:
    """Every phrasing a baseline matches against -> (kind, target id); the first owner wins."""
    owners: dict[str, tuple[str, str]] = {}
    for entry in kb.faq.values():
        for text in (entry.question, *entry.phrasings):
            owners.setdefault(text, ("faq", entry.id))
    for task in kb.tasks.values():
        for text in (task.name, *task.aliases):
            owners.setdefault(text, ("task", task.id))
    return owners


@dataclass
class Baseline:
    """A matcher turned into an engine-like object that bot.evaluate can score."""

    name: str
    kb: KnowledgeBase
    owners: dict[str, tuple[str, str]]
    best: Callable[[str], Match]
    cutoff: float = 0.0
    note: str = ""

    def reply(self, text: str) -> Reply:
        found = self.best(text)
        if found is None or found[1] < self.cutoff:
            return Reply("fallback", "")
        kind, target = self.owners[found[0]]
        if kind == "task":
            return Reply("classification", "", entry=target, verdict=self.kb.tasks[target].verdict)
        return Reply("answer", "", entry=target, score=found[1])


def difflib_best(owners: dict[str, tuple[str, str]]) -> Callable[[str], Match]:
    lowered: dict[str, str] = {}
    for text in owners:
        lowered.setdefault(text.lower(), text)
    keys = list(lowered)

    def best(text: str, cutoff: float = 0.0) -> Match:
        found = difflib.get_close_matches(text.lower(), keys, n=1, cutoff=cutoff)
        if not found:
            return None
        ratio = difflib.SequenceMatcher(None, text.lower(), found[0]).ratio()
        return lowered[found[0]], ratio

    return best


def rapidfuzz_best(owners: dict[str, tuple[str, str]]) -> Callable[[str], Match]:
    keys = list(owners)

    def best(text: str) -> Match:
        found = process.extractOne(text, keys, scorer=fuzz.WRatio, processor=None, score_cutoff=0)
        return (found[0], found[1]) if found else None

    return best


def tfidf_best(owners: dict[str, tuple[str, str]], analyzer: str) -> Callable[[str], Match]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    keys = list(owners)
    if analyzer == "word":
        vectorizer = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    else:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vectorizer.fit_transform(keys)  # rows are L2-normalised: dot product = cosine

    def best(text: str) -> Match:
        similarities = (matrix @ vectorizer.transform([text]).T).toarray().ravel()
        at = int(similarities.argmax())
        return (keys[at], float(similarities[at])) if similarities[at] > 0 else None

    return best


def tune(baseline: Baseline, items: list[Item], cutoffs: Iterable[float]) -> tuple[float, Report]:
    """The cutoff that gets most dev questions right (ties: fewer wrong answers, then lower)."""
    found = {item.q: baseline.best(item.q) for item in items}
    scorer = Baseline(baseline.name, baseline.kb, baseline.owners, found.__getitem__)
    chosen: tuple[tuple[int, int, float], float, Report] | None = None
    for cutoff in cutoffs:
        scorer.cutoff = cutoff
        report = evaluate(scorer, items)
        right = report.correct + report.rejected + report.verdicts_right
        key = (right, -report.wrong, -cutoff)
        if chosen is None or key > chosen[0]:
            chosen = (key, cutoff, report)
    assert chosen is not None
    return chosen[1], chosen[2]


def latency(method: Callable[[str], object], questions: list[str]) -> tuple[float, float]:
    """Median and p99 over the questions of each question's median time over ROUNDS, in ms."""
    for text in questions:
        method(text)
    times: list[list[float]] = [[] for _ in questions]
    for _ in range(ROUNDS):
        for n, text in enumerate(questions):
            start = time.perf_counter_ns()
            method(text)
            times[n].append((time.perf_counter_ns() - start) / 1e6)
    per_question = sorted(statistics.median(t) for t in times)
    return statistics.median(per_question), per_question[min(len(per_question) - 1,
                                                             int(0.99 * len(per_question)))]


def main() -> int:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is missing: .venv/bin/python -m pip install -e '.[bench]'", file=sys.stderr)
        return 2
    kb = load()
    owners = phrasings(kb)
    dev, held_out = load_items(DEV), load_items(HELD_OUT)
    grid = [round(0.05 * k, 2) for k in range(2, 20)] + [round(0.01 * k, 2) for k in range(20, 96)]
    grid = sorted(set(grid))

    methods: list[tuple[str, Callable[[str], object], Report, str]] = []
    engine = Engine(kb)
    methods.append(("engine (this project)", engine.reply, evaluate(engine, held_out),
                    "thresholds as shipped"))

    fuzzy = Baseline("rapidfuzz", kb, owners, rapidfuzz_best(owners))
    methods.append(("rapidfuzz extractOne, WRatio", fuzzy.reply, evaluate(fuzzy, held_out),
                    "no normalisation, cutoff 0"))

    plain = difflib_best(owners)
    tuning = Baseline("difflib", kb, owners, plain)
    cutoff, _ = tune(tuning, dev, grid)
    close = Baseline("difflib", kb, owners, lambda text: plain(text, cutoff), cutoff=cutoff)
    methods.append(("difflib get_close_matches", close.reply, evaluate(close, held_out),
                    f"cutoff {cutoff:.2f} (dev)"))

    best_tfidf: tuple[int, str, float, Baseline] | None = None
    for analyzer in ("word", "char"):
        candidate = Baseline("tfidf", kb, owners, tfidf_best(owners, analyzer))
        cut, report = tune(candidate, dev, grid)
        right = report.correct + report.rejected + report.verdicts_right
        if best_tfidf is None or right > best_tfidf[0]:
            best_tfidf = (right, analyzer, cut, candidate)
    assert best_tfidf is not None
    _, analyzer, cut, tfidf = best_tfidf
    tfidf.cutoff = cut
    label = "word 1-2-grams" if analyzer == "word" else "char 2-4-grams"
    methods.append(("TF-IDF cosine (scikit-learn)", tfidf.reply, evaluate(tfidf, held_out),
                    f"{label}, cutoff {cut:.2f} (dev)"))

    questions = [item.q for item in held_out]
    report0 = methods[0][2]
    print(f"Held-out set tests/data/eval.yaml: {len(held_out)} questions ({report0.on_topic} on topic, "
          f"{report0.off_topic} off topic, {report0.tasks} task verdicts); {len(kb.faq)} FAQ entries, "
          f"{len(owners)} phrasings and task aliases. Latency: median and p99 over the questions of "
          f"each question's median of {ROUNDS} rounds (the engine's includes rendering the reply).\n")
    pct = lambda a, b: f"{a}/{b} ({100 * a / b:.1f}%)" if b else "-"  # noqa: E731
    rows = []
    for name, method, report, note in methods:
        median, p99 = latency(method, questions)
        rows.append([name, note, pct(report.correct, report.on_topic), pct(report.wrong, report.on_topic),
                     pct(report.deferred, report.on_topic), pct(report.rejected, report.off_topic),
                     pct(report.verdicts_right, report.tasks), f"{median:.3f}", f"{p99:.3f}"])
    headers = ["method", "settings", "correct", "wrong", "deferred", "off-topic rejected",
               "verdicts right", "median ms", "p99 ms"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(  # noqa: E731
        c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    print(line(headers))
    print("|" + "|".join(("-" * (w + 2)) if i < 2 else ("-" * (w + 1) + ":")
                         for i, w in enumerate(widths)) + "|")
    for row in rows:
        print(line(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
