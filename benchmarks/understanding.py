"""How each way of matching understands blind question sets, per voice, and what it costs.

    .venv/bin/python benchmarks/understanding.py tests/data/check5.yaml [more sets...]

Prints tables; it is not a test. Three approaches, each scored by bot.evaluate
exactly like `kpo-bot kb eval`:

- lexical: the token index and rapidfuzz alone (the engine with semantic=False);
- nearest phrasing: the sentence encoder alone, answering with the target of the
  nearest phrasing (an FAQ entry, a listed task's verdict, or a decline);
- combined: the shipped engine (lexical and semantic evidence weighed by the
  fitted decision).

p99 is over the set's questions, of each question's median of 3 rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402
from bot.evaluate import VOICES, Item, Report, evaluate, load_items  # noqa: E402
from bot.knowledge import load  # noqa: E402
from bot.reply import Reply  # noqa: E402


class NearestPhrasing:
    """The sentence encoder alone: whatever the nearest phrasing stands for."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reply(self, text: str) -> Reply:
        engine = self.engine
        assert engine.encoder is not None and engine.semantic is not None
        query = engine.normalizer.query(text)
        top = engine.semantic.search(engine.encoder.encode([query.english])[0], 1)[0]
        if top.kind == "faq":
            return Reply("answer", "", entry=top.target)
        if top.kind == "task":
            return Reply("classification", "", entry=top.target, verdict=engine.kb.tasks[top.target].verdict)
        return Reply("fallback", "")


def p99_ms(matcher: Any, items: list[Item]) -> float:
    times = []
    for item in items:
        rounds = []
        for _ in range(3):
            start = time.perf_counter()
            matcher.reply(item.q)
            rounds.append((time.perf_counter() - start) * 1000)
        times.append(statistics.median(rounds))
    times.sort()
    return times[min(len(times) - 1, int(0.99 * len(times)))]


def cell(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "–"


def row(name: str, r: Report, p99: float | None = None) -> str:
    extra = f" | {p99:.1f} ms" if p99 is not None else ""
    return (f"| {name} | {cell(r.correct, r.on_topic)} | {cell(r.wrong, r.on_topic)} | "
            f"{cell(r.deferred, r.on_topic)} | {cell(r.rejected, r.off_topic)} | "
            f"{cell(r.verdicts_right, r.tasks)}{extra} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args()
    kb = load()
    combined = Engine(kb)
    approaches: dict[str, Any] = {
        "lexical": Engine(kb, semantic=False),
        "nearest phrasing": NearestPhrasing(combined),
        "combined (shipped)": combined,
    }
    for path in args.sets:
        items = load_items(path)
        print(f"\n{path.name} ({len(items)} questions)\n")
        print("| approach | correct | wrong | deferred | off-topic not answered | verdicts right | p99 |")
        print("|---|---|---|---|---|---|---|")
        for name, matcher in approaches.items():
            print(row(name, evaluate(matcher, items), p99_ms(matcher, items)))
        voiced = [v for v in VOICES if any(i.voice == v for i in items)]
        if voiced:
            print(f"\n{path.name}, the shipped engine per voice:\n")
            print("| voice | correct | wrong | deferred | off-topic not answered | verdicts right |")
            print("|---|---|---|---|---|---|")
            for voice in voiced:
                print(row(voice, evaluate(combined, [i for i in items if i.voice == voice])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
