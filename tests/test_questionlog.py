"""The question log and `kpo-bot report`: hashed users, feedback once, disk failures, the tables."""

from __future__ import annotations

import json
import logging
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from bot import report
from bot.questionlog import DAY, QuestionLog

USER = 424242


@pytest.fixture
async def log(tmp_path: Path):
    qlog = QuestionLog(tmp_path / "data")
    yield qlog
    qlog.close()


async def test_questions_are_logged_with_hashed_users_only(log: QuestionLog) -> None:
    await log.question(USER, "private", "what is kpo", "answer", "what_is_kpo", 97.5)
    rows = sqlite3.connect(log.path).execute("SELECT user_hash, chat_type, text, outcome FROM questions").fetchall()
    assert rows == [(log.user_hash(USER), "private", "what is kpo", "answer")]
    assert str(USER) not in rows[0][0] and len(rows[0][0]) == 20
    raw = b"".join(p.read_bytes() for p in log.path.parent.glob("questions.sqlite3*"))
    assert str(USER).encode() not in raw
    salt = log.path.parent / "log-salt"
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    assert QuestionLog(log.path.parent).user_hash(USER) == log.user_hash(USER)  # same salt kept


async def test_wal_mode(log: QuestionLog) -> None:
    await log.question(USER, "private", "x", "fallback", None, None)
    assert sqlite3.connect(log.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_feedback_is_recorded_once_per_user_and_answer(log: QuestionLog) -> None:
    assert await log.vote(USER, "pay", up=True) is True
    assert await log.vote(USER, "pay", up=False) is False
    assert await log.vote(USER + 1, "pay", up=False) is True
    assert await log.vote(USER, "what_is_kpo", up=False) is True
    votes = sqlite3.connect(log.path).execute("SELECT entry, vote FROM feedback ORDER BY entry, vote").fetchall()
    assert votes == [("pay", -1), ("pay", 1), ("what_is_kpo", -1)]


async def test_the_picked_suggestion_is_noted_on_the_last_unsure_question(log: QuestionLog) -> None:
    await log.question(USER, "private", "kpo thing", "suggestions", None, 55.0)
    await log.picked(USER, "what_is_kpo")
    picked = sqlite3.connect(log.path).execute("SELECT picked FROM questions").fetchone()[0]
    assert picked == "what_is_kpo"


async def test_the_log_can_be_turned_off(tmp_path: Path) -> None:
    off = QuestionLog(tmp_path / "data", enabled=False)
    await off.question(USER, "private", "what is kpo", "answer", "what_is_kpo", 90.0)
    assert await off.vote(USER, "pay", up=True) is None  # not stored, not "already voted"
    assert not (tmp_path / "data").exists()
    off.close()


async def test_a_failing_disk_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data directory should be")
    broken = QuestionLog(blocked)
    for _ in range(3):
        await broken.question(USER, "private", "what is kpo", "answer", "what_is_kpo", 90.0)
    assert await broken.vote(USER, "pay", up=True) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "question log" in r.getMessage()]
    assert len(warnings) == 1
    broken.close()


async def test_old_rows_are_pruned(log: QuestionLog) -> None:
    await log.question(USER, "private", "new", "answer", "pay", 90.0)
    await log.question(USER, "private", "old", "answer", "pay", 90.0)
    with sqlite3.connect(log.path) as conn:
        conn.execute("UPDATE questions SET ts = ? WHERE text = 'old'", (time.time() - 91 * DAY,))
    assert await log.prune() == 1
    assert [r[0] for r in sqlite3.connect(log.path).execute("SELECT text FROM questions")] == ["new"]


async def test_stats(log: QuestionLog) -> None:
    for text, outcome in (("a", "answer"), ("b", "answer"), ("c", "fallback"), ("c", "fallback")):
        await log.question(USER, "private", text, outcome, None, None)
    stats = await log.stats()
    assert (stats.day, stats.week, stats.answer_rate) == (4, 4, 0.5)
    assert stats.top_unanswered == [("c", 2)]


async def _seed(log: QuestionLog) -> None:
    for text, outcome, entry in [
        ("what is kpo", "answer", "what_is_kpo"), ("kpo meaning", "answer", "what_is_kpo"),
        ("who earns more", "answer", "pay"),
        ("what is ito outsourcing", "fallback", None), ("ito outsourcing what is", "fallback", None),
        ("what is ito", "suggestions", None), ("best pizza", "fallback", None),
    ]:
        await log.question(USER, "private", text, outcome, entry, None)
    await log.question(USER + 1, "group", "kpo pay stuff", "suggestions", None, 50.0)
    await log.picked(USER + 1, "pay")
    await log.vote(USER, "pay", up=False)
    await log.vote(USER + 1, "pay", up=False)
    await log.vote(USER, "what_is_kpo", up=True)


async def test_report_tables_on_a_seeded_database(log: QuestionLog) -> None:
    await _seed(log)
    built = report.build(log.path, since_days=7)
    assert built.questions == 8
    assert built.most_asked[0] == {"entry": "what_is_kpo", "asked": 2}
    assert built.unanswered[0]["count"] == 3 and "ito" in str(built.unanswered[0]["example"])
    assert built.disliked == [{"entry": "pay", "down": 2, "up": 0}]
    assert built.picked == [{"entry": "pay", "asked": "kpo pay stuff", "times": 1}]
    text = report.as_text(built)
    assert "Most asked entries" in text and "what_is_kpo" in text and "Suggestions users picked" in text
    assert json.loads(report.as_json(built))["questions"] == 8
    lines = report.as_csv(built).splitlines()
    assert lines[0] == "table,entry_or_example,count,detail"
    assert "most_asked,what_is_kpo,2," in lines


def test_report_without_a_log_is_empty(tmp_path: Path) -> None:
    built = report.build(tmp_path / "missing.sqlite3")
    assert built.questions == 0 and "(none)" in report.as_text(built)


async def test_a_picked_suggestion_is_recorded_on_the_row_whose_button_was_pressed(log: QuestionLog) -> None:
    chat = USER
    await log.question(USER, "private", "kpo pay stuff", "suggestions", None, 50.0, message=(chat, 10))
    await log.question(USER, "private", "bpo risk things", "suggestions", None, 48.0, message=(chat, 12))
    await log.picked(USER, "pay", message=(chat, 10))  # the older message's button
    rows = sqlite3.connect(log.path).execute("SELECT text, picked FROM questions ORDER BY id").fetchall()
    assert rows == [("kpo pay stuff", "pay"), ("bpo risk things", None)]
