"""PTB's PicklePersistence, made safe for a bot that runs for months.

- Written whole or not at all (temporary file, fsync, rename) and mode 0600: a
  full disk at shutdown leaves the previous state, never a 0-byte file that
  would stop every restart.
- Written at most once per persistence run, however many users changed, and a
  user whose data is dropped costs nothing if they were never stored.
- An empty, truncated or foreign file is moved aside with one log line, and the
  bot starts with no stored dialogs instead of stopping with a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from typing import Any

from telegram.ext import PersistenceInput, PicklePersistence
from telegram.ext._picklepersistence import _BotPickler  # noqa: PLC2701 - PTB's own pickler keeps Bot out

from bot.files import atomic_write, move_aside

_LOG = logging.getLogger(__name__)


class StatePersistence(PicklePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """User data only (dialogs), in one file, written atomically and once per flush."""

    def __init__(self, filepath: Any, update_interval: float = 60) -> None:
        super().__init__(filepath, store_data=PersistenceInput(
            bot_data=False, chat_data=False, callback_data=False), single_file=True,
            on_flush=False, update_interval=update_interval)
        self._write_pending = False

    def _load_singlefile(self) -> None:
        try:
            super()._load_singlefile()
            if not isinstance(self.user_data, dict) or not all(
                    isinstance(k, int) and isinstance(v, dict) for k, v in self.user_data.items()):
                raise TypeError("user_data is not a mapping of user ids to dicts")
        except (TypeError, KeyError, AttributeError) as exc:
            aside = move_aside(self.filepath)
            _LOG.warning("%s could not be read (%s); moved to %s, starting with no stored dialogs",
                         self.filepath.name, exc, aside.name)
            self.conversations, self.user_data, self.chat_data = {}, {}, {}
            self.bot_data, self.callback_data = self.context_types.bot_data(), None

    def _dump_singlefile(self) -> None:
        """Write now (flush at shutdown)."""
        self._write_pending = False
        data = {"conversations": self.conversations or {}, "user_data": self.user_data or {},
                "chat_data": {}, "bot_data": {}, "callback_data": None}
        buffer = _Buffer()
        _BotPickler(self.bot, buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(data)
        try:
            atomic_write(self.filepath, bytes(buffer.data))
        except OSError as exc:
            _LOG.warning("could not save %s (%s); the previous state is kept", self.filepath.name, exc)

    def _schedule_write(self) -> None:
        """One write after this persistence run, however many users it updates."""
        if self._write_pending:
            return
        self._write_pending = True
        try:
            asyncio.get_running_loop().call_soon(self._write_if_pending)
        except RuntimeError:  # no loop: write at once
            self._write_if_pending()

    def _write_if_pending(self) -> None:
        if self._write_pending:
            self._dump_singlefile()

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Keep the user's data; the file is written once this run is over."""
        if self.user_data is None:
            self.user_data = {}
        if self.user_data.get(user_id) == data:
            return
        self.user_data[user_id] = data
        self._schedule_write()

    async def drop_user_data(self, user_id: int) -> None:
        """Forget the user; nothing is written if they were not stored."""
        if self.user_data is None or self.user_data.pop(user_id, None) is None:
            return
        self._schedule_write()

    async def flush(self) -> None:
        """Write the state if anything is pending, or if a file should exist and does not."""
        if self._write_pending or not self.filepath.exists():
            self._dump_singlefile()


class _Buffer:
    """A write-only byte buffer for the pickler."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        self.data += chunk
        return len(chunk)
