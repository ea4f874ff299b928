"""Crafted updates anyone can send, against the real bot: each gets a clear answer, never silence."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.harness import RunningBot, failed_calls, unhandled_errors
from tests.emulator import BotAPIEmulator

ANN = 701


@pytest.mark.parametrize("offset", ["²", "1" * 5000])
async def test_an_inline_query_with_a_crafted_offset_is_answered(
        emu: BotAPIEmulator, bot: RunningBot, offset: str, caplog: pytest.LogCaptureFixture) -> None:
    emu.inline_query(ANN, "pay", offset=offset)
    await emu.wait_until(lambda: len(emu.inline_answers) == 1, what="an answer to the inline query")
    assert emu.inline_answers[-1]["results"]
    assert failed_calls(emu) == [] and unhandled_errors(caplog.records) == []


@pytest.mark.parametrize("data", ["a:\ud800", "\udcff" * 3, "x" * 200, ""])
async def test_every_press_is_answered_whatever_its_data(
        emu: BotAPIEmulator, bot: RunningBot, data: str, caplog: pytest.LogCaptureFixture) -> None:
    emu.user_message(ANN, "what is kpo")
    [answer] = await emu.wait_for_messages(ANN, 1)
    emu.press_button(ANN, answer.message_id, data)
    await emu.wait_until(lambda: len(emu.callback_answers) == 1, what="the press answered")
    assert emu.callback_answers[0]["text"]  # the stale-button note
    assert unhandled_errors(caplog.records) == []


async def test_service_messages_are_ignored(
        emu: BotAPIEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    emu.user_message(ANN, "what is kpo")
    [answer] = await emu.wait_for_messages(ANN, 1)
    chat = emu.chats[ANN].to_api()
    user = {"id": ANN, "is_bot": False, "first_name": "Ann"}
    for service in ({"pinned_message": {"message_id": answer.message_id, "date": 1700000000, "chat": chat}},
                    {"message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}}):
        emu.inject({"message": {"message_id": emu.chats[ANN].next_message_id(), "date": 1700000000,
                                "chat": chat, "from": user, **service}})
    emu.user_message(ANN, "what is bpo")
    await emu.wait_for_messages(ANN, 2)
    await emu.wait_until(lambda: not emu.updates.pending, what="every update fetched")
    await bot.stop()  # drains what was fetched
    texts = [m.text for m in emu.messages(ANN)]
    assert len(texts) == 2 and "BPO" in texts[1], texts
    assert unhandled_errors(caplog.records) == []


async def test_a_redelivered_update_is_answered_once(
        emu: BotAPIEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    update = emu.user_message(ANN, "what is kpo")
    emu.redeliver(update)
    emu.user_message(ANN, "what is bpo")
    await emu.wait_for_messages(ANN, 2)
    await emu.wait_until(lambda: not emu.updates.pending, what="every update fetched")
    await bot.stop()
    assert len(emu.messages(ANN)) == 2
    assert unhandled_errors(caplog.records) == []


async def test_an_update_the_library_cannot_read_is_skipped_and_logged_once_without_its_text(
        emu: BotAPIEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    chat = {"id": ANN, "type": "private"}
    emu.inject({"message": {"message_id": 1, "date": 1700000000, "chat": {"id": ANN},
                            "from": {"id": ANN, "is_bot": False, "first_name": "A"},
                            "text": "my private words"}})
    emu.user_message(ANN, "what is kpo")
    [answer] = await emu.wait_for_messages(ANN, 1)
    assert "Knowledge Process Outsourcing" in answer.text and chat
    await emu.wait_until(lambda: not emu.updates.pending, what="both updates confirmed")
    assert not [r for r in caplog.records if "my private words" in r.getMessage()
                or "my private words" in (r.exc_text or "")]
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    skipped = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(skipped) == 1


async def test_only_the_update_kinds_the_bot_handles_are_asked_for(emu: BotAPIEmulator, bot: RunningBot) -> None:
    emu.user_message(ANN, "what is kpo")
    await emu.wait_for_messages(ANN, 1)
    assert emu.updates.allowed_updates == {"message", "inline_query", "callback_query", "poll_answer"}


async def test_a_press_on_a_deleted_compare_message_is_stale(
        emu: BotAPIEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    emu.user_message(ANN, "/compare")
    [overview] = await emu.wait_for_messages(ANN, 1)
    data = next(b["callback_data"] for b in overview.buttons if b["callback_data"].startswith("d:"))
    emu.press_button(ANN, overview.message_id, data)
    overview.deleted = True  # the user deleted the message before the bot handled the press
    await emu.wait_until(lambda: len(emu.callback_answers) == 1, what="the press answered")
    assert emu.callback_answers[0]["text"]  # the stale-button note
    assert unhandled_errors(caplog.records) == []
