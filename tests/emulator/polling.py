"""Telegram's update queue: long polling, offsets, and one poller at a time.

Why: the bot's polling loop depends on the exact contract (``offset``
confirms everything before it, ``timeout`` holds the request open until an
update arrives, a newer getUpdates ends the older one with 409), and a
restart or a second instance must behave as it does against Telegram.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .errors import POLL_CONFLICT, ApiError
from .state import OPT_IN_UPDATE_TYPES, update_type

MAX_LIMIT = 100
MAX_TIMEOUT = 50


class UpdateQueue:
    """Pending updates plus the one long-poll request that may wait for them."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.last_update_id = 0
        self.confirmed_offset = 0  # every update_id below this was confirmed
        self.allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._waiter: asyncio.Future[str | None] | None = None
        self.closed = False

    def close(self) -> None:
        """The server is stopping: answer a waiting poller at once."""
        self.closed = True
        self._wake(None)

    def add(self, update: dict[str, Any]) -> dict[str, Any]:
        """Give the update the next update_id, queue it and wake the poller."""
        self.last_update_id += 1
        update = {"update_id": self.last_update_id, **update}
        self.pending.append(update)
        self._wake(None)
        return update

    @property
    def waiting(self) -> bool:
        """Whether a long-poll getUpdates is waiting for an update."""
        return self._waiter is not None and not self._waiter.done()

    def terminate_poller(self, reason: str | None) -> None:
        """End a waiting getUpdates: with a 409 ``reason``, or empty when None."""
        self._wake(reason)

    def _wake(self, reason: str | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(reason)

    def confirm(self, offset: int) -> None:
        """Forget confirmed updates; a negative offset keeps only the last -offset."""
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
            self.confirmed_offset = max(self.confirmed_offset, offset)
        elif offset < 0:
            self.pending = self.pending[offset:]

    def remove(self, update_id: int) -> None:
        """Forget one update (a webhook delivered it)."""
        self.pending = [u for u in self.pending if u["update_id"] != update_id]

    def drop_all(self) -> None:
        self.pending.clear()

    def set_allowed(self, allowed: Any) -> None:
        """allowed_updates sticks until changed; an empty list means the default set."""
        if isinstance(allowed, list):
            self.allowed_updates = frozenset(allowed) if allowed else None

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        if self.allowed_updates is None:
            return kind not in OPT_IN_UPDATE_TYPES
        return kind in self.allowed_updates

    def deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` pending updates; updates of unwanted types are dropped."""
        self.pending = [u for u in self.pending if self._is_allowed(u)]
        return self.pending[:limit]

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Serve one getUpdates call (the webhook check is the caller's)."""
        self.terminate_poller(POLL_CONFLICT)
        self.confirm(_int(params.get("offset"), 0))
        self.set_allowed(params.get("allowed_updates"))
        limit = _int(params.get("limit"), MAX_LIMIT)
        limit = limit if 1 <= limit <= MAX_LIMIT else MAX_LIMIT
        timeout = min(max(_int(params.get("timeout"), 0), 0), MAX_TIMEOUT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            updates = self.deliverable(limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or self.closed:
                return updates
            reason = await self._wait(remaining)
            if reason:
                raise ApiError(409, reason)

    async def _wait(self, timeout: float) -> str | None:
        """Wait for an update; return a conflict reason if another call took over."""
        waiter: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            return None
        finally:
            if self._waiter is waiter:
                self._waiter = None


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
