"""PTB's PicklePersistence, made safe for a bot that runs for months.

- Written whole or not at all (temporary file, fsync, rename) and mode 0600: a
  full disk at shutdown leaves the previous state, never a 0-byte file that
  would stop every restart.
- Written at most once per persistence run, however many users changed, by a
  worker thread (the event loop only takes a shallow snapshot), and a user or
  chat whose data is dropped costs nothing if it was never stored.
- An empty, truncated or foreign file is moved aside with one log line, and the
  bot starts with no stored dialogs instead of stopping with a traceback.
- A user or chat dropped and given new data before the next run (a user
  forgotten after a question who then finishes a quiz round) keeps the new
  data: PTB only deletes what was dropped in a run, and would lose it.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import pickle
from collections.abc import Mapping
from typing import Any

from telegram.ext import PersistenceInput, PicklePersistence

from bot.files import atomic_write, move_aside

_LOG = logging.getLogger(__name__)


class StatePersistence(PicklePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """User data (dialogs, contexts, quiz bests) and chat data (quiz rounds), in one file,
    written atomically and once per flush."""

    def __init__(self, filepath: Any, update_interval: float = 60) -> None:
        super().__init__(filepath, store_data=PersistenceInput(
            bot_data=False, chat_data=True, callback_data=False), single_file=True,
            on_flush=False, update_interval=update_interval)
        self._write_pending = False
        self._writer: asyncio.Task[None] | None = None
        self._live_users: Mapping[int, dict[Any, Any]] = {}
        self._live_chats: Mapping[int, dict[Any, Any]] = {}

    def watch(self, user_data: Mapping[int, dict[Any, Any]], chat_data: Mapping[int, dict[Any, Any]]) -> None:
        """The application's live user and chat data, consulted when PTB drops an entry."""
        self._live_users, self._live_chats = user_data, chat_data

    def _load_singlefile(self) -> None:
        try:
            super()._load_singlefile()
            for name, stored in (("user_data", self.user_data), ("chat_data", self.chat_data)):
                if not isinstance(stored, dict) or not all(
                        isinstance(k, int) and isinstance(v, dict) for k, v in stored.items()):
                    raise TypeError(f"{name} is not a mapping of ids to dicts")
        except (TypeError, KeyError, AttributeError) as exc:
            aside = move_aside(self.filepath)
            _LOG.warning("%s could not be read (%s); moved to %s, starting with no stored dialogs",
                         self.filepath.name, exc, aside.name)
            self.conversations, self.user_data, self.chat_data = {}, {}, {}
            self.bot_data, self.callback_data = self.context_types.bot_data(), None

    def _dump_singlefile(self) -> None:
        """Write now, on this thread (PTB calls this; the bot itself writes off the loop)."""
        self._write(self._snapshot())

    def _snapshot(self) -> dict[str, Any]:
        """What the file holds. Shallow: PTB hands each user's data in as a fresh deep copy
        and never changes it afterwards, so a worker thread may pickle it while the loop runs."""
        return {"conversations": dict(self.conversations or {}), "user_data": dict(self.user_data or {}),
                "chat_data": dict(self.chat_data or {}), "bot_data": {}, "callback_data": None}

    def _write(self, snapshot: dict[str, Any]) -> None:
        # Plain pickle (C, fast): the state holds no Bot objects for PTB's pickler to swap out.
        try:
            atomic_write(self.filepath, pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            _LOG.warning("could not save %s (%s); the previous state is kept", self.filepath.name, exc)

    def _schedule_write(self) -> None:
        """Write once this persistence run is over, off the event loop; one write at a time."""
        self._write_pending = True
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_while_pending())

    async def _write_while_pending(self) -> None:
        while self._write_pending:
            self._write_pending = False
            await asyncio.to_thread(self._write, self._snapshot())

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
        if self._live_users.get(user_id):  # dropped, then given new data before this run
            await self.update_user_data(user_id, copy.deepcopy(self._live_users[user_id]))
            return
        if self.user_data is None or self.user_data.pop(user_id, None) is None:
            return
        self._schedule_write()

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Keep the chat's data (a quiz round); the file is written once this run is over.
        A chat with nothing to keep is not stored: PTB hands in every chat a job touched."""
        if not data:
            await self.drop_chat_data(chat_id)
            return
        if self.chat_data is None:
            self.chat_data = {}
        if self.chat_data.get(chat_id) == data:
            return
        self.chat_data[chat_id] = data
        self._schedule_write()

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget the chat; nothing is written if it was not stored."""
        if self._live_chats.get(chat_id):  # dropped, then given new data before this run
            await self.update_chat_data(chat_id, copy.deepcopy(self._live_chats[chat_id]))
            return
        if self.chat_data is None or self.chat_data.pop(chat_id, None) is None:
            return
        self._schedule_write()

    async def flush(self) -> None:
        """Finish any write under way; write if anything is pending or no file exists yet."""
        if self._writer is not None:
            await self._writer
        if self._write_pending or not self.filepath.exists():
            self._write_pending = False
            await asyncio.to_thread(self._write, self._snapshot())

