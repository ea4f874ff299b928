"""Data files: written atomically, private to the bot's user, and a bad salt never used."""

from __future__ import annotations

import errno
import os
import pickle
import stat
from pathlib import Path

import pytest

from bot.files import atomic_write, private_dir
from bot.questionlog import QuestionLog, SaltError, load_salt

USER = 424242


def _full_disk(*_args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bot-state.pickle"
    atomic_write(path, b"old state")
    monkeypatch.setattr(os, "fsync", _full_disk)
    with pytest.raises(OSError):
        atomic_write(path, b"new state")
    assert path.read_bytes() == b"old state"
    assert [p.name for p in tmp_path.iterdir()] == ["bot-state.pickle"]


def test_files_are_private(tmp_path: Path) -> None:
    folder = private_dir(tmp_path / "data")
    atomic_write(folder / "f", b"x")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "f").stat().st_mode) == 0o600


async def test_the_question_log_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        log = QuestionLog(tmp_path / "data")
        await log.question(USER, "private", "what is kpo", "answer", "what_is_kpo", 97.5)
        log.close()
    finally:
        os.umask(old)
    folder = tmp_path / "data"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


@pytest.mark.parametrize("content", ["", "   \n", "abc"])
def test_an_empty_or_short_salt_is_replaced(tmp_path: Path, content: str) -> None:
    (tmp_path / "log-salt").write_text(content)
    salt = load_salt(tmp_path)
    assert len(salt) >= 32 and (tmp_path / "log-salt").read_bytes().strip() == salt


def test_a_salt_that_cannot_be_written_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", _full_disk)
    with pytest.raises(SaltError):
        load_salt(tmp_path)
    assert not (tmp_path / "log-salt").exists()
    with pytest.raises(SaltError):
        QuestionLog(tmp_path).user_hash(USER)


async def test_on_a_full_disk_no_row_is_written_with_an_unsalted_hash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", _full_disk)
    log = QuestionLog(tmp_path)
    await log.question(USER, "private", "what is kpo", "answer", "what_is_kpo", 97.5)
    log.close()
    assert not (tmp_path / "log-salt").exists()
    if log.path.exists():
        import sqlite3
        assert sqlite3.connect(log.path).execute("SELECT COUNT(*) FROM questions").fetchone() == (0,)


def test_pickle_protocol_is_available() -> None:
    assert pickle.HIGHEST_PROTOCOL >= 5
