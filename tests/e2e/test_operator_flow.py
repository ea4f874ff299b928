"""Operator features end to end: feedback, the question log, admin commands, /reload, webhooks."""

from __future__ import annotations

import logging
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import load
from bot.questionlog import QuestionLog
from bot.telegram.app import build_application, webhook_options
from tests.e2e.harness import RunningBot, bot_settings, failed_calls
from tests.emulator import BotAPIEmulator, SentMessage

ANN, ADMIN = 701, 702


async def say(emu: BotAPIEmulator, chat: int, text: str) -> SentMessage:
    count = len(emu.messages(chat))
    emu.user_message(chat, text, user_id=chat)
    return (await emu.wait_for_messages(chat, count + 1))[-1]


async def press_note(emu: BotAPIEmulator, chat: int, message: SentMessage, data: str) -> str:
    count = len(emu.callback_answers)
    emu.press_button(chat, message.message_id, data, user_id=chat)
    await emu.wait_until(lambda: len(emu.callback_answers) > count, what=f"an answer to {data}")
    return emu.callback_answers[-1].get("text") or ""


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def test_feedback_is_recorded_once(emu: BotAPIEmulator, bot: RunningBot) -> None:
    answer = await say(emu, ANN, "what is kpo")
    assert any(b["callback_data"] == "f:what_is_kpo:up" for b in answer.buttons)
    assert "Thanks" in await press_note(emu, ANN, answer, "f:what_is_kpo:up")
    assert "already" in await press_note(emu, ANN, answer, "f:what_is_kpo:down")
    db = QuestionLog.database(bot.settings.data_dir)
    assert rows(db, "SELECT entry, vote FROM feedback") == [("what_is_kpo", 1)]
    assert len(emu.messages(ANN)) == 1  # a vote sends no message
    assert failed_calls(emu) == []


UNSURE = ("outsourcing work", "bpo info", "kpo work", "bpo work", "kpo tasks", "knowledge work",
          "process work", "kpo help", "outsourcing help", "kpo topic", "bpo topic", "kpo type", "bpo type")
"""Vague questions; the test uses the first two the engine answers with suggestions (the list is
long so that a change of matcher still leaves two)."""


async def test_questions_are_logged_with_hashed_users(emu: BotAPIEmulator, bot: RunningBot,
                                                      engine: Engine) -> None:
    await say(emu, ANN, "What is <b>KPO</b>?!")
    unsure = [q for q in UNSURE if engine.reply(q).kind == "suggestions"][:2]
    assert len(unsure) == 2, "no vague questions left that get suggestions: update UNSURE"
    first = await say(emu, ANN, unsure[0])
    await say(emu, ANN, unsure[1])
    db = QuestionLog.database(bot.settings.data_dir)
    await emu.wait_until(lambda: db.exists() and len(rows(db, "SELECT id FROM questions")) == 3)
    logged = rows(db, "SELECT user_hash, chat_type, text, outcome, entry FROM questions ORDER BY id")
    assert logged[0][1:] == ("private", "what is kpo", "answer", "what_is_kpo")
    assert {row[0] for row in logged} == {bot.app.bot_data["question_log"].user_hash(ANN)}
    assert all(len(row[0]) == 20 and row[0] != str(ANN) for row in logged)
    picked = next(b["callback_data"] for b in first.buttons if b["callback_data"].startswith("s:"))
    await press_note(emu, ANN, first, picked)  # a button under the older of the two suggestion messages
    await emu.wait_until(lambda: rows(db, "SELECT picked FROM questions WHERE id = 2")[0][0] is not None)
    assert rows(db, "SELECT text, picked FROM questions WHERE id >= 2 ORDER BY id") == [
        (unsure[0], picked[2:]), (unsure[1], None)]


async def test_the_log_can_be_turned_off(emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> None:
    running = await RunningBot.start(bot_settings(emu, tmp_path, KPO_BOT_LOG_QUESTIONS="0"), engine)
    try:
        await say(emu, ANN, "what is kpo")
        assert "no log" in (await say(emu, ANN, "/privacy")).text
    finally:
        await running.stop()
    assert not QuestionLog.database(tmp_path).exists()


async def test_a_disk_error_does_not_stop_answers(emu: BotAPIEmulator, engine: Engine, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    QuestionLog.database(tmp_path).mkdir(parents=True)  # a directory where the database should be
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        for _ in range(3):
            assert "Knowledge Process Outsourcing" in (await say(emu, ANN, "what is kpo")).text
    finally:
        await running.stop()
    assert any("question log unavailable" in r.getMessage() for r in caplog.records)


async def test_admin_commands_are_refused_to_others(emu: BotAPIEmulator, engine: Engine,
                                                    tmp_path: Path) -> None:
    settings = bot_settings(emu, tmp_path, KPO_BOT_ADMIN_IDS=str(ADMIN))
    running = await RunningBot.start(settings, engine)
    try:
        await say(emu, ANN, "what is kpo")
        for command in ("/stats", "/reload"):
            reply = await say(emu, ANN, command)
            assert "Questions" not in reply.text and "Reload" not in reply.text
        stats = await say(emu, ADMIN, "/stats")
        # The refused commands got the list of commands, like any unknown command: no questions.
        assert "last 24 hours: 1" in stats.text and "stats" not in stats.text.split("unanswered")[-1]
    finally:
        await running.stop()


async def test_reload_swaps_a_valid_knowledge_base_and_keeps_on_a_broken_one(
        emu: BotAPIEmulator, tmp_path: Path, kb_copy: Path) -> None:
    settings = bot_settings(emu, tmp_path / "data", KPO_BOT_ADMIN_IDS=str(ADMIN))
    running = await RunningBot.start(settings, Engine(load(kb_copy)))
    try:
        faq = kb_copy / "faq.yaml"
        faq.write_text(faq.read_text(encoding="utf-8").replace(
            "What is KPO (Knowledge Process Outsourcing)?", "What exactly is KPO?", 1), encoding="utf-8")
        assert "Reloaded" in (await say(emu, ADMIN, "/reload")).text
        assert "What exactly is KPO?" in (await say(emu, ADMIN, "what is kpo")).text
        faq.write_text(faq.read_text(encoding="utf-8").replace("related: [", "related: [ghost_entry, ", 1),
                       encoding="utf-8")
        failed = await say(emu, ADMIN, "/reload")
        assert "Reload failed" in failed.text and "ghost_entry" in failed.text and "faq.yaml" in failed.text
        assert "What exactly is KPO?" in (await say(emu, ADMIN, "what is kpo")).text
    finally:
        await running.stop()
    assert failed_calls(emu) == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode_end_to_end(emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> None:
    port = _free_port()
    settings = bot_settings(emu, tmp_path, KPO_BOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/kpo-hook",
                            KPO_BOT_WEBHOOK_PORT=str(port), KPO_BOT_WEBHOOK_SECRET="s3cret-token")
    app = build_application(settings, engine)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_webhook(**webhook_options(settings))
    await app.start()
    try:
        assert emu.webhook["url"] == f"http://127.0.0.1:{port}/kpo-hook"
        emu.user_message(ANN, "what is kpo", user_id=ANN)
        refused = await emu.deliver_webhook_once(secret_token="wrong")
        assert refused is not None and refused.status == 403
        accepted = await emu.deliver_webhook_once()
        assert accepted is not None and accepted.status == 200
        reply = (await emu.wait_for_messages(ANN, 1))[-1]
        assert "Knowledge Process Outsourcing" in reply.text
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_one_log_line_per_update_without_the_text(emu: BotAPIEmulator, bot: RunningBot,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    await say(emu, ANN, "what is the secret sauce of kpo")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "bot.updates" and r.levelno == logging.INFO]

    await emu.wait_until(lambda: len(lines()) == 1, what="the update's log line")
    line = lines()[0]
    assert "kind=message" in line and "outcome=" in line and "latency_ms=" in line
    assert "secret sauce" not in line
