"""The question log: what users ask, what the bot answered, and their 👍/👎, in SQLite.

The operator reads it (`kpo-bot report`, /stats) to see what the bot cannot
answer yet. Users appear only as a salted hash: the salt is made once and kept
in the data directory, so raw ids and names never enter the database. Every
database call runs on one worker thread that owns the connection, so the event
loop never waits on the disk; a failing disk is logged and the bot answers on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.files import atomic_write, create_private, private_dir

_LOG = logging.getLogger(__name__)
T = TypeVar("T")
DAY = 86400.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    user_hash TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    text TEXT NOT NULL,
    outcome TEXT NOT NULL,
    entry TEXT,
    score REAL,
    picked TEXT,
    message TEXT
);
CREATE INDEX IF NOT EXISTS questions_ts ON questions (ts);
CREATE INDEX IF NOT EXISTS questions_user ON questions (user_hash, id);
CREATE TABLE IF NOT EXISTS feedback (
    user_hash TEXT NOT NULL,
    entry TEXT NOT NULL,
    vote INTEGER NOT NULL,
    ts REAL NOT NULL,
    PRIMARY KEY (user_hash, entry)
);
"""


@dataclass(frozen=True)
class Stats:
    """Counts for /stats."""

    day: int
    week: int
    answer_rate: float
    top_unanswered: list[tuple[str, int]]


class QuestionLog:
    """Append-only log of questions and feedback, written off the event loop."""

    def __init__(self, data_dir: Path, *, enabled: bool = True, retention_days: float = 90.0) -> None:
        self.enabled = enabled
        self.retention_days = retention_days
        self.path = self.database(data_dir)
        self._data_dir = data_dir
        self._salt: bytes | None = None
        self._conn: sqlite3.Connection | None = None
        self._failing = False
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="question-log")

    @staticmethod
    def database(data_dir: Path) -> Path:
        """Where the log lives in a data directory."""
        return data_dir / "questions.sqlite3"

    # --- called from the event loop -----------------------------------------------------

    async def question(self, user_id: int, chat_type: str, text: str, outcome: str,
                       entry: str | None, score: float | None,
                       message: tuple[int, int] | None = None) -> None:
        """Log one question and the kind of reply it got; `message` is the reply's (chat id,
        message id), kept only as a salted hash so that a picked suggestion finds its row."""
        await self._run(self._insert_question, user_id, chat_type, text, outcome, entry, score, message)

    async def picked(self, user_id: int, entry: str, message: tuple[int, int] | None = None) -> None:
        """Note which suggestion the user picked: on the row of the message whose button was
        pressed, or without one on the user's latest unsure question."""
        await self._run(self._set_picked, user_id, entry, message)

    async def vote(self, user_id: int, entry: str, up: bool) -> bool | None:
        """Record 👍/👎 once per user and answer: True when recorded, False when this user
        already voted on it, None when it could not be stored (log off, failing disk)."""
        return await self._run(self._insert_vote, user_id, entry, up)

    async def stats(self, now: float | None = None) -> Stats | None:
        """Counts for the last day and week, the answer rate, and top unanswered questions."""
        return await self._run(self._stats, now or time.time())

    async def prune(self, now: float | None = None) -> int:
        """Delete rows older than the retention period; how many went."""
        return int(await self._run(self._prune, now or time.time()) or 0)

    def close(self) -> None:
        """Finish pending writes and close the database."""
        self._worker.submit(self._close).result()
        self._worker.shutdown(wait=True)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T | None:
        if not self.enabled:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self._guarded, fn, *args)

    # --- on the worker thread ---------------------------------------------------------

    def _guarded(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Run a database call; a failure is logged (once until it recovers) and swallowed."""
        try:
            result = fn(self._connection(), *args)
        except (sqlite3.Error, OSError) as exc:
            if not self._failing:
                _LOG.warning("question log unavailable (%s); answering without logging", exc)
            self._failing = True
            self._close()
            return None
        if self._failing:
            _LOG.info("question log available again")
            self._failing = False
        return result

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            private_dir(self._data_dir)
            self._salt_bytes()  # no salt, no log: never a row under an unsalted hash
            create_private(self.path)  # SQLite gives its -wal and -shm files the same mode
            conn = sqlite3.connect(self.path, timeout=5)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(questions)")}
            if "message" not in columns:  # a log made before suggestions knew their message
                conn.execute("ALTER TABLE questions ADD COLUMN message TEXT")
            self._conn = conn
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def user_hash(self, user_id: int) -> str:
        """The salted hash that stands for a user in the log."""
        return self._hash(str(user_id))

    def _hash(self, value: str) -> str:
        return hashlib.sha256(self._salt_bytes() + value.encode()).hexdigest()[:20]

    def _salt_bytes(self) -> bytes:
        if self._salt is None:
            self._salt = load_salt(self._data_dir)
        return self._salt

    def _message_hash(self, message: tuple[int, int] | None) -> str | None:
        return None if message is None else self._hash(f"m:{message[0]}:{message[1]}")

    def _insert_question(self, conn: sqlite3.Connection, user_id: int, chat_type: str, text: str,
                         outcome: str, entry: str | None, score: float | None,
                         message: tuple[int, int] | None) -> None:
        with conn:
            conn.execute(
                "INSERT INTO questions (ts, user_hash, chat_type, text, outcome, entry, score, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), self.user_hash(user_id), chat_type, text, outcome, entry, score,
                 self._message_hash(message)))

    def _set_picked(self, conn: sqlite3.Connection, user_id: int, entry: str,
                    message: tuple[int, int] | None) -> None:
        with conn:
            if message is not None:
                conn.execute(
                    "UPDATE questions SET picked = ? WHERE user_hash = ? AND message = ?"
                    " AND outcome = 'suggestions'",
                    (entry, self.user_hash(user_id), self._message_hash(message)))
                return
            conn.execute(
                "UPDATE questions SET picked = ? WHERE id = (SELECT id FROM questions"
                " WHERE user_hash = ? AND outcome = 'suggestions' ORDER BY id DESC LIMIT 1)",
                (entry, self.user_hash(user_id)))

    def _insert_vote(self, conn: sqlite3.Connection, user_id: int, entry: str, up: bool) -> bool:
        with conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO feedback (user_hash, entry, vote, ts) VALUES (?, ?, ?, ?)",
                (self.user_hash(user_id), entry, 1 if up else -1, time.time()))
        return cursor.rowcount == 1

    def _stats(self, conn: sqlite3.Connection, now: float) -> Stats:
        day = conn.execute("SELECT COUNT(*) FROM questions WHERE ts >= ?", (now - DAY,)).fetchone()[0]
        week_rows = conn.execute(
            "SELECT outcome, COUNT(*) FROM questions WHERE ts >= ? GROUP BY outcome",
            (now - 7 * DAY,)).fetchall()
        week = sum(n for _, n in week_rows)
        answered = sum(n for outcome, n in week_rows if outcome in ("answer", "classification"))
        top = conn.execute(
            "SELECT text, COUNT(*) AS n FROM questions WHERE ts >= ? AND outcome IN"
            " ('fallback', 'suggestions') GROUP BY text ORDER BY n DESC, text LIMIT 5",
            (now - 7 * DAY,)).fetchall()
        return Stats(day, week, answered / week if week else 0.0, [(t, n) for t, n in top])

    def _prune(self, conn: sqlite3.Connection, now: float) -> int:
        cutoff = now - self.retention_days * DAY
        with conn:
            gone = conn.execute("DELETE FROM questions WHERE ts < ?", (cutoff,)).rowcount
            gone += conn.execute("DELETE FROM feedback WHERE ts < ?", (cutoff,)).rowcount
        return gone


MIN_SALT = 32
"""Characters a salt must have; anything shorter (an empty file after a full disk) is replaced."""


class SaltError(OSError):
    """No usable salt: the log writes nothing rather than hash ids without one."""


def load_salt(data_dir: Path) -> bytes:
    """The data directory's salt, made on first use (atomically, mode 0600).

    A salt file that is empty or too short (a write cut off by a full disk) is
    replaced; if no good salt can be written, SaltError: ids are never hashed
    with an empty or short salt, which would make them easy to recover.
    """
    path = data_dir / "log-salt"
    try:
        salt = path.read_bytes().strip()
    except FileNotFoundError:
        salt = b""
    except OSError as exc:
        raise SaltError(f"cannot read {path}: {exc}") from exc
    if len(salt) >= MIN_SALT:
        return salt
    salt = secrets.token_hex(32).encode()
    try:
        private_dir(data_dir)
        atomic_write(path, salt)
    except OSError as exc:
        raise SaltError(f"cannot write {path}: {exc}") from exc
    return salt
