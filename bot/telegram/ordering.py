"""Processing updates of different chats concurrently, and those of one chat in order.

Why: PTB's default is one update at a time, so a single slow call (a 429 whose
retry_after is honoured, a timeout being retried) holds up every other user.
PTB's `concurrent_updates(N)` removes that, but lets two messages of one chat
be answered out of order, and a /classify dialog step could then overtake the
one before it. This processor, plugged in through PTB's BaseUpdateProcessor
extension point, runs at most `limit` updates at once, never two of the same
chat (or, without a chat, of the same user) at once, and those in arrival order.

PTB's own semaphore in `BaseUpdateProcessor.process_update` is made wide enough
never to block: asyncio's semaphore hands out places in arrival order only on
newer Pythons, and arrival order is what per-chat ordering relies on. The
order is taken first, synchronously, as each update reaches the processor in
the order the Application read it from Telegram; the concurrency limit after.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def ordering_key(update: object) -> Hashable | None:
    """Updates with the same key are processed one after another: the chat, else the user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """At most `limit` updates at once; one chat's updates one at a time, in arrival order."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        super().__init__(sys.maxsize)
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._tails: dict[Hashable, asyncio.Event] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's previous update, then for a free slot, then process."""
        key = ordering_key(update)
        previous = self._tails.get(key) if key is not None else None
        done = asyncio.Event()
        if key is not None:
            self._tails[key] = done
        started = False
        try:
            if previous is not None:
                await previous.wait()
            async with self._slots:
                started = True
                await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: no "never awaited" warning
            done.set()
            if key is not None and self._tails.get(key) is done:
                del self._tails[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release; Application.stop has already waited for every update."""


class BackpressureQueue(asyncio.Queue[object]):
    """PTB's update queue, counting the updates queued or being handled (the backlog).

    Why: the poller confirms a batch to Telegram when it asks for the next one,
    and PTB asks as soon as the batch is queued. Under a burst the bot then holds
    hundreds of confirmed updates behind the rate limiter, and a crash (kill -9,
    OOM) loses every one. The getUpdates request waits on `room()` before it is
    sent (bot.telegram.request), so no new batch is fetched, and nothing more
    confirmed, while `high_water` updates are still unhandled: the rest stay with
    Telegram, which delivers them again after a restart. Only updates count;
    PTB's stop signal does not.
    """

    def __init__(self, high_water: int) -> None:
        super().__init__()
        self.high_water = max(high_water, 1)
        self._backlog = 0
        self._room = asyncio.Event()
        self._room.set()

    @property
    def backlog(self) -> int:
        """Updates queued or being handled."""
        return self._backlog

    async def room(self) -> None:
        """Return once the backlog is below the high-water mark."""
        while self._backlog >= self.high_water:
            self._room.clear()
            await self._room.wait()

    async def put(self, item: object) -> None:
        """Queue an item; an update adds to the backlog."""
        if isinstance(item, Update):
            self._backlog += 1
        await super().put(item)

    def task_done(self) -> None:
        """An update was handled (PTB calls this for each one): make room."""
        super().task_done()
        self._backlog = max(self._backlog - 1, 0)
        if self._backlog < self.high_water:
            self._room.set()
