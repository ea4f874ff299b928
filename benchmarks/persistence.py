"""Persistence benchmark: how long one flush of the dialog state takes on the event loop.

    .venv/bin/python benchmarks/persistence.py [--users 10000] [--rounds 5]

Prints a table; it is not a test. The bot persists user_data only for users
with a /classify dialog under way (everyone else is dropped after each update),
so the state file holds the *active* users. This fills bot.telegram.persistence's
StatePersistence with `--users` users mid-dialog and times what
Application.update_persistence does every 60 s when all of them changed: PTB's
deepcopy of each user's data and update_user_data for each, in one step of the
event loop, then the one atomic write that follows on a worker thread. It
reports the longest stall of the event loop (a 1 ms ticker runs alongside) and
the time until the file is written.

Telegram's limit of about 30 messages a second caps how many users can move
their dialog on between two runs (60 s apart) at about 1,800: that row is the
realistic worst case. The row where all 10,000 changed shows PTB's own cost of
a run (a deepcopy and a coroutine per changed user, gathered at once), which
no persistence class can avoid. PTB's PicklePersistence rewrites the whole file
once per changed user, hence its row with only 100 changed. Then the same for PTB's stock PicklePersistence, which
writes the whole file once per changed user. The goal (issue 14) is a flush
under 50 ms at 10,000 active users: the event loop answers nobody meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import PersistenceInput, PicklePersistence  # noqa: E402

from bot.dialog import DialogState  # noqa: E402
from bot.telegram.persistence import StatePersistence  # noqa: E402


def users(count: int) -> dict[int, dict[str, Any]]:
    """`count` users, each mid-dialog in their private chat."""
    return {
        1_000_000 + i: {"dialogs": {1_000_000 + i: (
            DialogState(f"{i:06x}", 3, ("j", "e", None, None, None, None), 1.8e9, "payroll",
                        "we want someone to run our payroll", "0123456789ab"), 4242 + i)}}
        for i in range(count)
    }


async def flush(persistence: Any, data: dict[int, dict[str, Any]]) -> tuple[float, float]:
    """(longest event-loop stall, seconds until the file is written) for one persistence run
    where every user changed, done as Application.update_persistence does it: every user's
    data deep-copied and handed in, in one step of the loop, then the write."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await asyncio.gather(*(persistence.update_user_data(user_id, copy.deepcopy(user_data))
                           for user_id, user_data in data.items()))
    await persistence.flush()
    written = time.perf_counter() - started
    done.set()
    await ticking
    return max(gaps), written


async def measure(kind: str, stored: int, changed: int, rounds: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bot-state.pickle"
        stalls, writes = [], []
        data = users(stored)
        if kind == "StatePersistence":
            persistence: Any = StatePersistence(path)
        else:
            persistence = PicklePersistence(path, store_data=PersistenceInput(
                bot_data=False, chat_data=False, callback_data=False))
        persistence.set_bot(None)
        await flush(persistence, data)  # every user stored once
        for round_ in range(1, rounds + 1):
            moved = dict(list(data.items())[:changed])
            for user_data in moved.values():  # each round moves `changed` users' dialogs on
                chat, (state, message) = next(iter(user_data["dialogs"].items()))
                user_data["dialogs"] = {chat: (state, message + round_)}
            stall, written = await flush(persistence, moved)
            stalls.append(stall)
            writes.append(written)
        return max(stalls), statistics.median(writes), path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000, help="users with a dialog under way")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print("| persistence | users stored | changed since the last run | longest event-loop stall"
          " | run until written | file size |")
    print("|---|---|---|---|---|---|")
    cases = (("StatePersistence", args.users, 1_800), ("StatePersistence", args.users, args.users),
             ("PicklePersistence (PTB)", args.users, 100))
    for kind, stored, changed in cases:
        stall, written, size = asyncio.run(measure(kind, stored, changed, args.rounds))
        print(f"| {kind} | {stored:,} | {changed:,} | {1000 * stall:.1f} ms | {1000 * written:.1f} ms"
              f" | {size / 1e6:.2f} MB |")

if __name__ == "__main__":
    main()
