"""Transient Bot API failures are retried; lasting ones are logged.

Most of the emulator's faults never take effect (as when Telegram never got the
call): a reply that shows up once then proves the retry recovered it. A call
that took effect but was answered after the client's timeout ("late") is the
case where a retry can repeat a message: the Bot API has no idempotency key,
and bot.telegram.retry accepts a rare duplicate rather than a lost reply.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Engine
from tests.e2e.harness import RunningBot, answer_buttons, bot_settings, failed_calls, unhandled_errors
from tests.emulator import BotAPIEmulator

USER = 42
TIMEOUT = 1.0
"""The client timeout of these tests, seconds; "slow" faults answer after twice as long."""
FAULTS = ["429", "500", "502", "slow", "drop"]


@pytest.fixture
async def quick_bot(emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The bot with a short client timeout, so slow answers time out quickly."""
    settings = bot_settings(emu, tmp_path / "data", KPO_BOT_TIMEOUT=str(TIMEOUT), KPO_BOT_POLL_TIMEOUT="2")
    running = await RunningBot.start(settings, engine)
    try:
        yield running
    finally:
        await running.stop()


def plan(emu: BotAPIEmulator, kind: str, count: int, method: str) -> None:
    emu.fail_next(count, kind, methods={method}, retry_after=1, delay=TIMEOUT * 2)


def attempts(emu: BotAPIEmulator, method: str) -> list[str | None]:
    """The fault of each call of ``method`` in order (None: served)."""
    return [c.fault for c in emu.calls_to(method)]


@pytest.mark.parametrize("kind", FAULTS)
async def test_a_reply_whose_attempts_never_reached_telegram_is_delivered_once(
        quick_bot: RunningBot, emu: BotAPIEmulator, engine: Engine, kind: str,
        caplog: pytest.LogCaptureFixture) -> None:
    plan(emu, kind, 2, "sendMessage")
    emu.user_message(USER, "what is kpo")
    [answer] = await emu.wait_for_messages(USER, 1, timeout=10)
    assert answer.html == engine.reply("what is kpo").text
    assert attempts(emu, "sendMessage") == [kind, kind, None]
    if kind == "429":  # retry_after is honoured
        first, _, delivered = emu.calls_to("sendMessage")
        assert delivered.at - first.at >= 2 * 1.0
    await quick_bot.app.update_queue.join()
    assert len(emu.messages(USER)) == 1
    assert unhandled_errors(caplog.records) == []
    retries = [r for r in caplog.records if r.name == "bot.telegram.retry"]
    assert len(retries) == 2 and all(r.levelno == logging.WARNING for r in retries)


async def test_a_reply_answered_after_the_timeout_is_sent_again_and_shown_twice(
        quick_bot: RunningBot, emu: BotAPIEmulator, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """The case the faults above cannot show: the first send took effect, its answer came late."""
    plan(emu, "late", 1, "sendMessage")
    emu.user_message(USER, "what is kpo")
    await emu.wait_for_messages(USER, 2, timeout=10)
    await quick_bot.app.update_queue.join()
    assert attempts(emu, "sendMessage") == ["late", None]
    assert [m.html for m in emu.messages(USER)] == [engine.reply("what is kpo").text] * 2
    assert unhandled_errors(caplog.records) == []


@pytest.mark.parametrize("kind", FAULTS)
async def test_a_press_whose_acknowledgements_never_reached_telegram_is_answered_once(
        quick_bot: RunningBot, emu: BotAPIEmulator, engine: Engine, kind: str,
        caplog: pytest.LogCaptureFixture) -> None:
    emu.user_message(USER, "what is kpo")
    [answer] = await emu.wait_for_messages(USER, 1)
    data = answer_buttons(answer)[0]
    plan(emu, kind, 2, "answerCallbackQuery")
    emu.press_button(USER, answer.message_id, data)
    _, follow_up = await emu.wait_for_messages(USER, 2, timeout=10)
    assert follow_up.html == engine.press(data).text
    assert attempts(emu, "answerCallbackQuery") == [kind, kind, None]
    assert len(emu.callback_answers) == 1
    await quick_bot.app.update_queue.join()
    assert len(emu.messages(USER)) == 2
    assert unhandled_errors(caplog.records) == []


async def test_one_chat_waiting_out_flood_control_does_not_hold_up_the_others(
        quick_bot: RunningBot, emu: BotAPIEmulator) -> None:
    emu.fail_next(1, "429", methods={"sendMessage"}, retry_after=2)
    emu.user_message(USER, "what is kpo")
    await emu.wait_until(lambda: attempts(emu, "sendMessage") == ["429"])
    for other in range(100, 110):
        emu.user_message(other, "what is bpo")
    await emu.wait_until(lambda: all(emu.messages(o) for o in range(100, 110)), timeout=1.5,
                         what="the other chats answered while the first waits out its retry_after")
    assert emu.messages(USER) == []
    await emu.wait_for_messages(USER, 1, timeout=5)


async def test_when_retries_run_out_the_error_is_logged_and_the_bot_carries_on(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = bot_settings(emu, tmp_path / "data", KPO_BOT_MAX_RETRIES="2")
    running = await RunningBot.start(settings, engine)
    try:
        plan(emu, "500", 3, "sendMessage")
        emu.user_message(USER, "what is kpo")
        await emu.wait_until(lambda: attempts(emu, "sendMessage") == ["500"] * 3)
        emu.user_message(USER, "what is bpo")
        [answer] = await emu.wait_for_messages(USER, 1)
        assert answer.html == engine.reply("what is bpo").text
    finally:
        await running.stop()
    errors = unhandled_errors(caplog.records)
    assert len(errors) == 1 and errors[0].startswith("bot.telegram.handlers: error while handling")


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_polling_recovers_from_failed_get_updates_without_losing_or_repeating_updates(
        quick_bot: RunningBot, emu: BotAPIEmulator, engine: Engine, kind: str,
        caplog: pytest.LogCaptureFixture) -> None:
    emu.fail_next(1, kind, methods={"getUpdates"})
    for text in ("what is kpo", "what is bpo", "/help"):
        emu.user_message(USER, text)
    sent = await emu.wait_for_messages(USER, 3, timeout=10)
    assert [m.html for m in sent] == [engine.reply("what is kpo").text, engine.reply("what is bpo").text,
                                      engine.help().text]
    await quick_bot.app.update_queue.join()
    assert len(emu.messages(USER)) == 3
    assert unhandled_errors(caplog.records) == []
    assert any(r.levelno == logging.WARNING and "fetching updates failed" in r.getMessage()
               for r in caplog.records)


async def test_faults_during_start_up_are_retried(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    emu.fail_next(2, "500", methods={"setMyCommands"})
    running = await RunningBot.start(bot_settings(emu, tmp_path / "data"), engine)
    try:
        assert attempts(emu, "setMyCommands") == ["500", "500", None]
        assert emu.my_commands() == [{"command": c, "description": d} for c, d in engine.commands()]
    finally:
        await running.stop()
    assert unhandled_errors(caplog.records) == []
    assert failed_calls(emu) == []


@pytest.mark.parametrize("kind", ["429", "502"])
async def test_with_the_production_rate_limiter_a_retried_call_logs_no_error(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    """PTB's AIORateLimiter logs a 429 it does not retry itself as an ERROR; the retry layer keeps it out."""
    settings = bot_settings(emu, tmp_path / "data", KPO_BOT_RATE_LIMIT="1", KPO_BOT_RATE_OVERALL="100")
    running = await RunningBot.start(settings, engine)
    try:
        plan(emu, kind, 1, "sendMessage")
        emu.user_message(USER, "what is kpo")
        [answer] = await emu.wait_for_messages(USER, 1, timeout=10)
        assert answer.html == engine.reply("what is kpo").text
        assert attempts(emu, "sendMessage") == [kind, None]
    finally:
        await running.stop()
    assert unhandled_errors(caplog.records) == []
