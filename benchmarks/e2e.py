"""End-to-end benchmark: the real bot against the Bot API emulator, beside a minimal echo bot.

    .venv/bin/python benchmarks/e2e.py [--burst 2000] [--users 400] [--rounds 3]

Prints a table; it is not a test. The emulator (tests/emulator) runs in this
process on 127.0.0.1; each bot runs in a process of its own, as in
production, so the two do not share a CPU:

- kpo-bot: `python -m bot.cli run`, the shipped settings except PTB's rate
  limiter, which is turned off (KPO_BOT_RATE_LIMIT=0): with it on, any bot
  is held to about 30 sends a second, as Telegram requires;
- echo: a minimal python-telegram-bot Application that replies to every text
  with the same text, with the same timeouts, concurrency and polling options:
  the ceiling PTB and the emulator allow on this machine.

Each round injects a burst of questions (FAQ phrasings, task questions, small
talk, off-topic) from `--users` users at once into the emulator, then measures
until the last reply: updates per second over the burst, and each reply's
latency from its question's injection (median and 99th percentile); then
questions one at a time, for the latency of a bot that is not busy. Every bot
runs at concurrency 1 (PTB's default, one update at a time) and 8 (kpo-bot's
default). The best round of each is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.knowledge import KnowledgeBase, load  # noqa: E402
from tests.e2e.harness import BOT_ID, BOT_USERNAME, TOKEN, environment  # noqa: E402
from tests.emulator import BotAPIEmulator  # noqa: E402

WARM_UP = 200


class TimedEmulator(BotAPIEmulator):
    """The emulator, noting when each reply arrives, per chat in order."""

    def __init__(self) -> None:
        super().__init__(TOKEN, bot_username=BOT_USERNAME, bot_id=BOT_ID)
        self.reply_times: dict[int, list[float]] = {}

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = super().api_sendMessage(params)
        self.reply_times.setdefault(result["chat"]["id"], []).append(time.perf_counter())
        return result


@dataclass
class Result:
    bot: str
    concurrency: int
    rate: float
    median_ms: float
    p99_ms: float
    single_median_ms: float
    single_p99_ms: float


def questions(kb: KnowledgeBase) -> list[str]:
    pool = [e.question for e in kb.faq.values()]
    pool += [p for e in kb.faq.values() for p in e.phrasings[:3]]
    pool += [f"is {t.name.lower()} bpo or kpo?" for t in kb.tasks.values()]
    pool += ["hello", "thanks", "best pizza in town?", "whats teh diff btwn kpo n bpo", "outsourcing"]
    return pool


async def burst(emu: TimedEmulator, pool: list[str], size: int, users: int, seed: int,
                first_chat: int) -> tuple[float, list[float]]:
    """Inject ``size`` questions from ``users`` users at once; (seconds to the last reply, latencies)."""
    rng = random.Random(seed)
    sent: dict[int, list[float]] = {}
    before = {chat: len(times) for chat, times in emu.reply_times.items()}
    start = time.perf_counter()
    for i in range(size):
        chat = first_chat + i % users
        emu.user_message(chat, rng.choice(pool))
        sent.setdefault(chat, []).append(time.perf_counter())
    expected = {chat: before.get(chat, 0) + len(times) for chat, times in sent.items()}
    while any(len(emu.reply_times.get(chat, ())) < n for chat, n in expected.items()):
        await asyncio.sleep(0.005)
    end = max(emu.reply_times[chat][-1] for chat in sent)
    latencies = [emu.reply_times[chat][before.get(chat, 0) + k] - t
                 for chat, times in sent.items() for k, t in enumerate(times)]
    return end - start, latencies


async def one_at_a_time(emu: TimedEmulator, pool: list[str], count: int, chat: int) -> list[float]:
    """Latency of questions sent one after another, each once the previous one is answered."""
    rng = random.Random(count)
    latencies = []
    for _ in range(count):
        answered = len(emu.reply_times.get(chat, ()))
        emu.user_message(chat, rng.choice(pool))
        sent = time.perf_counter()
        while len(emu.reply_times.get(chat, ())) <= answered:
            await asyncio.sleep(0.0005)
        latencies.append(emu.reply_times[chat][answered] - sent)
    return latencies


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """Median and 99th percentile, in milliseconds."""
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def measure(name: str, command: list[str], concurrency: int, args: argparse.Namespace,
                  pool: list[str]) -> Result:
    emu = TimedEmulator()
    async with emu:
        with tempfile.TemporaryDirectory() as data:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KPO_BOT_"))}
            env.update(environment(emu, Path(data), KPO_BOT_CONCURRENCY=str(concurrency),
                                   KPO_BOT_LOG_LEVEL="WARNING", KPO_BOT_RETRY_DELAY="0.5"))
            env["PYTHONPATH"] = str(ROOT)
            process = await asyncio.create_subprocess_exec(
                *command, cwd=data, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                await burst(emu, pool, WARM_UP, args.users, 0, 1)  # answered once the bot is up
                best: tuple[float, list[float]] | None = None
                for round_ in range(args.rounds):
                    wall, latencies = await burst(emu, pool, args.burst, args.users, round_ + 1,
                                                  10_000 * (round_ + 1))
                    if best is None or wall < best[0]:
                        best = (wall, latencies)
                single = await one_at_a_time(emu, pool, args.single, 5)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)
    assert best is not None
    wall, latencies = best
    return Result(name, concurrency, args.burst / wall, *percentiles(latencies), *percentiles(single))


def table(results: list[Result], args: argparse.Namespace) -> str:
    echo = {r.concurrency: r for r in results if r.bot == "echo"}
    lines = [
        f"Burst of {args.burst:,} questions from {args.users} users, best of {args.rounds} rounds; "
        f"emulator on 127.0.0.1, rate limiter off",
        "",
        "| bot | concurrency | burst: updates/s | burst: median latency | burst: p99 latency "
        "| one at a time: median | one at a time: p99 | kpo-bot / echo (updates/s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = f"{r.rate / echo[r.concurrency].rate:.2f}" if r.bot == "kpo-bot" else ""
        lines.append(f"| {r.bot} | {r.concurrency} | {r.rate:,.0f} | {r.median_ms:,.0f} ms | "
                     f"{r.p99_ms:,.0f} ms | {r.single_median_ms:.1f} ms | {r.single_p99_ms:.1f} ms | {ratio} |")
    ceiling = max((r for r in results if r.bot == "echo"), key=lambda r: r.rate)
    default = max((r for r in results if r.bot == "kpo-bot"), key=lambda r: r.concurrency)
    lines += ["", f"One at a time: {args.single} questions, each sent once the previous one was answered.",
              f"kpo-bot at its default concurrency ({default.concurrency}) reaches "
              f"{default.rate / ceiling.rate:.2f} of the faster echo bot ({ceiling.rate:,.0f} updates/s "
              f"at concurrency {ceiling.concurrency})."]
    return "\n".join(lines)


def run_echo_bot() -> None:
    """The echo bot's process: the minimal PTB Application, settings as kpo-bot reads them."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    from bot.settings import load_settings

    settings = load_settings(dotenv=None)
    t = settings.timeout

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    builder = (Application.builder().token(settings.require_token()).base_url(settings.api_base_url)
               .connect_timeout(t).read_timeout(t).write_timeout(t).pool_timeout(t)
               .get_updates_read_timeout(t))
    if settings.concurrency > 1:
        builder = builder.concurrent_updates(settings.concurrency)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=settings.poll_timeout)


async def main(args: argparse.Namespace) -> None:
    pool = questions(load())
    bots = {
        "echo": [sys.executable, str(Path(__file__).resolve()), "--echo-bot"],
        "kpo-bot": [sys.executable, "-m", "bot.cli", "run"],
    }
    results = []
    for concurrency in (1, 8):
        for name, command in bots.items():
            result = await measure(name, command, concurrency, args, pool)
            print(f"  {name} at concurrency {concurrency}: {result.rate:,.0f} updates/s", file=sys.stderr)
            results.append(result)
    print(table(results, args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=2000, help="questions per burst (default 2000)")
    parser.add_argument("--users", type=int, default=400, help="users the burst comes from (default 400)")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per bot; the best counts (default 3)")
    parser.add_argument("--single", type=int, default=300,
                        help="questions sent one at a time for the unloaded latency (default 300)")
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.echo_bot:
        run_echo_bot()
    else:
        asyncio.run(main(arguments))
