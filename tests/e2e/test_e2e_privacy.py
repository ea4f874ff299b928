"""Privacy: admin output only in a private chat with an admin; per-user state only while needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from tests.e2e.harness import RunningBot, bot_settings, unhandled_errors
from tests.emulator import BotAPIEmulator

ANN, ADMIN, GROUP = 801, 802, -100801


async def test_admin_commands_in_a_group_post_nothing_there(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    running = await RunningBot.start(bot_settings(emu, tmp_path, KPO_BOT_ADMIN_IDS=str(ADMIN)), engine)
    try:
        emu.user_message(ANN, "my name is Ann Smith and I want to outsource my taxes", user_id=ANN)
        await emu.wait_for_messages(ANN, 1)
        for command in ("/stats", "/stats@kpo_test_bot", "/reload@kpo_test_bot"):
            emu.user_message(GROUP, command, user_id=ADMIN, chat_type="group")
        emu.user_message(GROUP, "@kpo_test_bot what is kpo", user_id=ADMIN, chat_type="group")
        [answer] = await emu.wait_for_messages(GROUP, 1)
        assert "Knowledge Process Outsourcing" in answer.text
        emu.user_message(ADMIN, "/stats", user_id=ADMIN)
        [stats] = await emu.wait_for_messages(ADMIN, 1)
        assert "Questions" in stats.text
    finally:
        await running.stop()
    assert len(emu.messages(GROUP)) == 1
    assert unhandled_errors(caplog.records) == []


@pytest.mark.parametrize("broken", ["off", "disk"])
async def test_a_first_vote_is_thanked_when_it_cannot_be_stored(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, broken: str) -> None:
    from bot.questionlog import QuestionLog

    env = {"KPO_BOT_LOG_QUESTIONS": "0"} if broken == "off" else {}
    if broken == "disk":
        QuestionLog.database(tmp_path).mkdir(parents=True)  # a directory where the database should be
    running = await RunningBot.start(bot_settings(emu, tmp_path, **env), engine)
    try:
        emu.user_message(ANN, "what is kpo", user_id=ANN)
        [answer] = await emu.wait_for_messages(ANN, 1)
        emu.press_button(ANN, answer.message_id, "f:what_is_kpo:up", user_id=ANN)
        await emu.wait_until(lambda: len(emu.callback_answers) == 1, what="the vote answered")
    finally:
        await running.stop()
    assert "Thanks" in emu.callback_answers[0]["text"]
