"""Bad input through the real bot and the emulator: no crash, no refused call, user text escaped.

Each example is a round trip over HTTP, so the counts are modest; the engine
alone gets many more examples in tests/test_fuzz_engine.py. The bot keeps
running across the examples of a test, as it would in production; each
example talks in a chat of its own so no dialog carries over.
"""

from __future__ import annotations

import time

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from bot import callbacks
from bot.engine import Engine
from bot.telegram.handlers import without_mention
from tests.e2e.harness import BOT_USERNAME, RunningBot, failed_calls, unhandled_errors
from tests.emulator import BotAPIEmulator
from tests.emulator.telegram_text import message_text_error
from tests.fuzz_inputs import callback_data, stray_markup, user_text

ROUND_TRIPS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                              HealthCheck.filter_too_much])
_chats = itertools.count(1_000_000)


async def settle(emu: BotAPIEmulator, bot: RunningBot) -> None:
    last = emu.updates.last_update_id
    await emu.wait_until(lambda: emu.updates.confirmed_offset > last, what="every update fetched")
    await bot.app.update_queue.join()


def assert_clean(emu: BotAPIEmulator, caplog: pytest.LogCaptureFixture) -> None:
    assert failed_calls(emu) == []
    assert unhandled_errors(caplog.records) == []


@pytest.mark.slow
@ROUND_TRIPS
@given(text=user_text())
async def test_any_text_in_a_private_chat_gets_exactly_one_reply_telegram_accepts(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine, caplog: pytest.LogCaptureFixture, text: str) -> None:
    chat = next(_chats)
    emu.user_message(chat, text)
    await emu.wait_for_messages(chat, 1)
    await settle(emu, bot)
    [reply] = emu.messages(chat)
    assert message_text_error(reply.html) is None
    assert stray_markup(reply.html) == [], reply.html[:300]
    if not text.startswith("/"):
        assert reply.html == engine.converse(without_mention(text, BOT_USERNAME), None, time.time()).text
    assert_clean(emu, caplog)


@pytest.mark.slow
@settings(ROUND_TRIPS, max_examples=30)
@given(text=user_text())
async def test_any_text_in_a_group_is_answered_only_when_addressed(
        bot: RunningBot, emu: BotAPIEmulator, caplog: pytest.LogCaptureFixture, text: str) -> None:
    chat = -next(_chats)
    emu.user_message(chat, text, user_id=7, chat_type="group")
    await settle(emu, bot)
    addressed = f"@{BOT_USERNAME}".lower() in text.lower() or text.startswith("/")
    assert len(emu.messages(chat)) <= (1 if addressed else 0)
    for message in emu.messages(chat):
        assert stray_markup(message.html) == []
    assert_clean(emu, caplog)


@pytest.mark.slow
@settings(ROUND_TRIPS, max_examples=40)
@given(data=callback_data())
async def test_any_button_data_is_acknowledged_once_and_forged_data_gets_the_note(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine, caplog: pytest.LogCaptureFixture, data: str) -> None:
    chat = next(_chats)
    emu.user_message(chat, "/start")
    [greeting] = await emu.wait_for_messages(chat, 1)
    update = emu.press_button(chat, greeting.message_id, data)
    query_id = update["callback_query"]["id"]
    await settle(emu, bot)
    answers = [a for a in emu.callback_answers if a["callback_query_id"] == query_id]
    assert len(answers) == 1
    if callbacks.decode(data) is None:
        assert answers[0]["text"] == engine.stale().note
        assert len(emu.messages(chat)) == 1 and greeting.edit_count == 0
    for message in emu.messages(chat):
        assert stray_markup(message.html) == []
    assert_clean(emu, caplog)


@pytest.mark.slow
@settings(ROUND_TRIPS, max_examples=40)
@given(query=user_text(max_size=256))
async def test_any_inline_query_gets_one_answer_telegram_accepts(
        bot: RunningBot, emu: BotAPIEmulator, caplog: pytest.LogCaptureFixture, query: str) -> None:
    user = next(_chats)
    inline_id = emu.inline_query(user, query)["inline_query"]["id"]
    await settle(emu, bot)
    answers = [a for a in emu.inline_answers if a["inline_query_id"] == inline_id]
    assert len(answers) == 1  # and the emulator checked every result as Telegram would
    for result in answers[0]["results"]:
        assert stray_markup(result["input_message_content"]["message_text"]) == []
    assert_clean(emu, caplog)
