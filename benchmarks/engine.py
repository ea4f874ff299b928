"""Engine benchmark: latency, memory, start-up and accuracy as the knowledge base grows.

    .venv/bin/python benchmarks/engine.py

Prints tables; it is not a test. Each knowledge-base size runs in its own
process, so memory figures do not mix: the shipped knowledge base (1x), then
1,000, 10,000 and 100,000 FAQ phrasings, made of the shipped entries plus
synthetic distractor entries about other business topics (benchmarks/distractors.py,
fixed seed). At each size:

- latency of Engine.reply (match and render) per question, after one warm-up
  pass, over several rounds of the questions of tests/data/*.yaml (labels unused)
  and of questions about the distractors' topics;
- engine build time and resident memory (RSS) after the run;
- accuracy on the held-out set tests/data/eval.yaml, with bot.evaluate
  (the set is only measured here, never tuned on).

Start-up is timed as a user sees it: `kpo-bot ask "what is kpo"` from process
start to exit, with the shipped knowledge base and its phrasing vectors cached
(as `kpo-bot kb check` leaves them).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SIZES = (1_000, 10_000, 100_000)
ROUNDS = 5
OTHER_TOPIC_QUESTIONS = 200
STARTUP_RUNS = 5

SEMANTIC_MAX = 10_000
"""Sizes above this run the lexical matcher alone: encoding 100,000 distractor phrasings once
takes minutes on two cores, and the budget is set at the shipped knowledge base."""

TARGETS = {
    "median_1x": 5.0,
    "p99_1x": 20.0,
    "p99_100k": 20.0,
    "startup": 1.5,
    "rss_1x": 200.0,
}


def rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process, in MB (Linux /proc)."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, kb, _ = line.split()
                values[key] = int(kb) / 1024
    return values.get("VmRSS:", 0.0), values.get("VmHWM:", 0.0)


def worker(size: int, rounds: int, semantic: bool) -> dict[str, object]:
    """Build an engine over the shipped knowledge base plus distractors and measure it."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from distractors import PREFIX, other_topic_questions, shipped_phrasings, with_distractors

    from bot.engine import Engine
    from bot.evaluate import evaluate, load_items
    from bot.knowledge import load

    imported = time.perf_counter()
    kb = load()
    loaded = time.perf_counter()
    shipped = shipped_phrasings(kb)
    kb = with_distractors(kb, size) if size else kb
    generated = time.perf_counter()
    engine = Engine(kb, semantic=semantic)
    built = time.perf_counter()
    engine.reply("what is kpo")
    first = time.perf_counter()

    labelled = [item.q for path in sorted(DATA.glob("*.yaml")) for item in _items(path)]
    questions = labelled + other_topic_questions(OTHER_TOPIC_QUESTIONS)
    wall, cpu = time.perf_counter_ns, time.thread_time_ns
    cold: list[float] = []
    for text in questions:  # first sight of each question: word caches, lazily compiled templates
        start = wall()
        engine.reply(text)
        cold.append((wall() - start) / 1e6)

    held_out = load_items(DATA / "eval.yaml")
    report = evaluate(engine, held_out)
    stolen = sum(1 for _, reply in report.misses
                 if reply.kind == "answer" and (reply.entry or "").startswith(PREFIX))

    walls: list[list[float]] = [[] for _ in questions]
    cpus: list[list[float]] = [[] for _ in questions]
    for _ in range(rounds):
        for n, text in enumerate(questions):
            start, start_cpu = wall(), cpu()
            engine.reply(text)
            cpus[n].append((cpu() - start_cpu) / 1e6)
            walls[n].append((wall() - start) / 1e6)
    every_call = sorted(t for times in walls for t in times)
    per_question = sorted(statistics.median(times) for times in walls)
    per_question_cpu = sorted(statistics.median(times) for times in cpus)
    rss, peak = rss_mb()
    return {
        "size": size,
        "semantic": semantic,
        "shipped": shipped,
        "phrasings": shipped_phrasings(kb),
        "entries": len(kb.faq),
        "documents": len(engine.index.docs),
        "import_s": imported - _STARTED,
        "load_s": loaded - imported,
        "generate_s": generated - loaded,
        "build_s": built - generated,
        "first_reply_ms": (first - built) * 1e3,
        "questions": len(questions),
        "median_ms": statistics.median(per_question),
        "p99_ms": _percentile(per_question, 0.99),
        "p99_all_ms": _percentile(every_call, 0.99),
        "max_ms": every_call[-1],
        "cpu_median_ms": statistics.median(per_question_cpu),
        "cpu_p99_ms": _percentile(per_question_cpu, 0.99),
        "cold_median_ms": statistics.median(cold),
        "cold_p99_ms": _percentile(sorted(cold), 0.99),
        "rss_mb": rss,
        "peak_rss_mb": peak,
        "on_topic": report.on_topic,
        "correct": report.correct,
        "wrong": report.wrong,
        "stolen": stolen,
        "stolen_questions": [item.q for item, reply in report.misses
                             if reply.kind == "answer" and (reply.entry or "").startswith(PREFIX)],
        "deferred": report.deferred,
        "off_topic": report.off_topic,
        "rejected": report.rejected,
        "tasks": report.tasks,
        "verdicts_right": report.verdicts_right,
    }


def _percentile(ordered: list[float], share: float) -> float:
    """The value below which `share` of the sorted values fall (nearest rank)."""
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _items(path: Path) -> list:
    """The labelled questions of a set file; none when it is not a question set."""
    from bot.evaluate import EvalSetError, load_items
    try:
        return load_items(path)
    except EvalSetError:
        return []


def run_worker(size: int, rounds: int) -> dict[str, object]:
    semantic = size <= SEMANTIC_MAX
    out = subprocess.run([sys.executable, __file__, "--worker", str(size), "--rounds", str(rounds),
                          *([] if semantic else ["--lexical"])],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup() -> dict[str, float]:
    """Wall time of `kpo-bot ask "what is kpo"`, process start to exit, and its peak RSS."""
    command = [str(Path(sys.executable).parent / "kpo-bot"), "ask", "what is kpo"]
    env = {k: v for k, v in os.environ.items() if k != "KPO_BOT_KNOWLEDGE_DIR"}
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)  # the vector cache
    times = []
    for _ in range(STARTUP_RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
        times.append(time.perf_counter() - start)
    import resource
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"median_s": statistics.median(times), "max_s": max(times), "peak_rss_mb": peak}


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (right-aligned numbers), readable in a terminal too."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--lexical", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed passes over the questions")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="FAQ phrasings to grow the knowledge base to (comma-separated)")
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.rounds, not args.lexical)))
        return 0

    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    up = startup()
    results = [run_worker(0, args.rounds)]
    shipped = int(results[0]["phrasings"])
    skipped = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        if size <= shipped:
            skipped.append(size)
            continue
        results.append(run_worker(size, args.rounds))

    print(f"kpo-bot engine benchmark · Python {sys.version.split()[0]} · {os.cpu_count()} CPUs · "
          f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after · "
          f"{time.perf_counter() - began:.0f} s\n")

    label = lambda r: ("shipped (1x)" if r["size"] == 0 else f"{r['size']:,}") + (  # noqa: E731
        "" if r["semantic"] else " lexical")
    print(f"Latency per question through Engine.reply (match and render): {results[0]['questions']} "
          f"questions, each asked once cold, then {args.rounds} timed rounds. median and p99 are over the "
          f"questions, of each question's median round (wall clock); CPU is the same with thread CPU "
          f"time; p99 all and max are over every timed call; RSS after the run.\n")
    print(table(
        ["KB", "phrasings", "build s", "median ms", "p99 ms", "CPU median", "CPU p99", "p99 all",
         "max", "cold p99", "RSS MB"],
        [[label(r), f"{r['phrasings']:,}", f"{r['build_s']:.2f}", f"{r['median_ms']:.3f}",
          f"{r['p99_ms']:.3f}", f"{r['cpu_median_ms']:.3f}", f"{r['cpu_p99_ms']:.3f}",
          f"{r['p99_all_ms']:.3f}", f"{r['max_ms']:.2f}", f"{r['cold_p99_ms']:.3f}",
          f"{r['rss_mb']:.0f}"] for r in results]))
    for size in skipped:
        print(f"({size:,}: the shipped knowledge base already has {shipped:,} phrasings; nothing to add.)")
    print(f"(Sizes above {SEMANTIC_MAX:,} phrasings run the lexical matcher alone, marked 'lexical': "
          f"encoding that many distractor phrasings once takes minutes on two cores.)")

    print("\nAccuracy on the held-out set tests/data/eval.yaml at each size "
          "(stolen = answered with a distractor entry):\n")
    pct = lambda a, b: f"{a}/{b} ({100 * a / b:.1f}%)" if b else "-"  # noqa: E731
    print(table(
        ["KB", "correct", "wrong", "stolen", "deferred", "off-topic rejected", "verdicts right"],
        [[label(r), pct(r["correct"], r["on_topic"]), pct(r["wrong"], r["on_topic"]), str(r["stolen"]),
          pct(r["deferred"], r["on_topic"]), pct(r["rejected"], r["off_topic"]),
          pct(r["verdicts_right"], r["tasks"])] for r in results]))

    for r in results:
        for question in r["stolen_questions"]:
            print(f"  stolen at {label(r)}: {question!r}")

    base = results[0]
    print("\nStart-up with the shipped knowledge base:\n")
    print(table(
        ["measure", "value"],
        [[f"`kpo-bot ask \"what is kpo\"`, process start to exit (median of {STARTUP_RUNS})",
          f"{up['median_s']:.2f} s"],
         ["  slowest run", f"{up['max_s']:.2f} s"],
         ["  peak RSS of that process", f"{up['peak_rss_mb']:.0f} MB"],
         ["in process: imports", f"{base['import_s'] * 1e3:.0f} ms"],
         ["in process: load and validate knowledge/", f"{base['load_s'] * 1e3:.0f} ms"],
         ["in process: build the engine", f"{base['build_s'] * 1e3:.0f} ms"],
         ["in process: first answer", f"{base['first_reply_ms']:.1f} ms"]]))

    largest = results[-1]
    checks = [
        ("median per question, shipped KB", base["median_ms"], TARGETS["median_1x"], "ms"),
        ("p99 per question, shipped KB", base["p99_ms"], TARGETS["p99_1x"], "ms"),
        (f"p99 per question, {largest['phrasings']:,} phrasings", largest["p99_ms"],
         TARGETS["p99_100k"], "ms"),
        ("start-up to first answer", up["median_s"], TARGETS["startup"], "s"),
        ("RSS, shipped KB", base["rss_mb"], TARGETS["rss_1x"], "MB"),
    ]
    print("\nTargets:\n")
    print(table(["target", "measured", "limit", "met"],
                [[name, f"{value:.3g} {unit}", f"<= {limit:g} {unit}", "yes" if value <= limit else "NO"]
                 for name, value, limit, unit in checks]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
