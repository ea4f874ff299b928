"""The /classify dialog end to end: the real Application polling the emulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from tests.e2e.harness import RunningBot, bot_settings, failed_calls
from tests.emulator import BotAPIEmulator, SentMessage

ANN, BOB = 501, 502


def dialog_message(emu: BotAPIEmulator, chat: int) -> SentMessage:
    """The latest message of the chat carrying dialog buttons."""
    found = [m for m in emu.messages(chat)
             if any(b.get("callback_data", "").startswith("c:") for b in m.buttons)]
    assert found, [m.text for m in emu.messages(chat)]
    return found[-1]


def nonce(message: SentMessage) -> str:
    data = next(b["callback_data"] for b in message.buttons if b.get("callback_data", "").startswith("c:"))
    return data.split(":")[1]


async def press(emu: BotAPIEmulator, chat: int, message: SentMessage, action: str,
                user: int | None = None) -> SentMessage:
    """Press a dialog button and wait until the bot has answered the press and edited or replied."""
    answers, edits, count = len(emu.callback_answers), message.edit_count, len(emu.messages(chat))
    emu.press_button(chat, message.message_id, f"c:{nonce(message)}:{action}", user_id=user)
    await emu.wait_until(lambda: len(emu.callback_answers) > answers, what="the press answered")
    await emu.wait_until(lambda: _message(emu, chat, message.message_id).edit_count > edits
                         or len(emu.messages(chat)) > count or emu.callback_answers[-1].get("text"),
                         what="the dialog moved on")
    return _message(emu, chat, message.message_id)


def _message(emu: BotAPIEmulator, chat: int, message_id: int) -> SentMessage:
    return next(m for m in emu.messages(chat) if m.message_id == message_id)


async def say(emu: BotAPIEmulator, chat: int, text: str, user: int | None = None) -> SentMessage:
    count = len(emu.messages(chat))
    emu.user_message(chat, text, user_id=user)
    return (await emu.wait_for_messages(chat, count + 1))[-1]


def extreme(kb: KnowledgeBase, sign: int) -> list[str]:
    return [max(q.options, key=lambda o: sign * o.weight).id for q in kb.dialog.questions]


async def answer_all(emu: BotAPIEmulator, chat: int, message: SentMessage, options: list[str],
                     user: int | None = None) -> SentMessage:
    for index, option in enumerate(options, start=1):
        message = await press(emu, chat, message, f"{index}_{option}", user)
    return message


async def test_bpo_kpo_and_in_between_paths(emu: BotAPIEmulator, bot: RunningBot, kb: KnowledgeBase) -> None:
    bpo, kpo = extreme(kb, -1), extreme(kb, +1)
    split = [b if i % 2 == 0 else k for i, (b, k) in enumerate(zip(bpo, kpo, strict=True))]
    for options, verdict in ((bpo, "Verdict: BPO"), (kpo, "Verdict: KPO"), (split, "Verdict: in between")):
        start = await say(emu, ANN, "/classify")
        assert "Describe the task" in start.text
        message = await press(emu, ANN, start, "skip")
        assert f"Question 1 of {len(options)}" in message.text
        message = await answer_all(emu, ANN, message, options)
        assert verdict in message.text and "Similar tasks" in message.text
        assert [b["callback_data"] for b in message.buttons] == ["m:classify", "m:compare", "m:ask"]
        assert message.message_id == start.message_id  # the dialog edited its own message
    assert failed_calls(emu) == []


async def test_a_described_task_is_the_prior(emu: BotAPIEmulator, bot: RunningBot, kb: KnowledgeBase) -> None:
    await say(emu, ANN, "/classify")
    question = await say(emu, ANN, "we need someone to handle our payroll")
    assert "sounds like Payroll processing" in question.text and "Question 1 of" in question.text
    neutral = [q.options[-1].id for q in kb.dialog.questions]
    result = await answer_all(emu, ANN, question, neutral)
    assert "Verdict: BPO" in result.text and "sounds like Payroll processing" in result.text


async def test_back_and_cancel(emu: BotAPIEmulator, bot: RunningBot) -> None:
    message = await press(emu, ANN, await say(emu, ANN, "/start classify"), "skip")
    message = await press(emu, ANN, message, "1_j")
    assert "Question 2 of" in message.text
    message = await press(emu, ANN, message, "back_2")
    assert "Question 1 of" in message.text
    assert any(b["text"].startswith("✓") for b in message.buttons)
    message = await press(emu, ANN, message, "cancel")
    assert "cancelled" in message.text
    again = await press(emu, ANN, await say(emu, ANN, "/classify"), "skip")
    cancelled = await say(emu, ANN, "/cancel")
    assert "cancelled" in cancelled.text
    stale = await press(emu, ANN, again, "1_r")
    assert "Question 1 of" in stale.text and "over" in emu.callback_answers[-1]["text"]


async def test_stale_buttons_and_a_second_dialog(emu: BotAPIEmulator, bot: RunningBot) -> None:
    first = await press(emu, ANN, await say(emu, ANN, "/classify"), "skip")
    second = await say(emu, ANN, "/classify")  # a new run makes the old buttons stale
    await press(emu, ANN, first, "1_r")
    assert "over" in emu.callback_answers[-1]["text"]
    message = await press(emu, ANN, second, "skip")
    message = await press(emu, ANN, message, "1_r")
    await press(emu, ANN, message, "1_r")  # a double tap on an answered question
    assert "already answered" in emu.callback_answers[-1]["text"]
    emu.press_button(ANN, message.message_id, "c:zzzzzz:9_q")  # forged
    await emu.wait_until(lambda: "over" in (emu.callback_answers[-1].get("text") or ""))
    assert failed_calls(emu) == []


async def test_two_users_interleaved(emu: BotAPIEmulator, bot: RunningBot, kb: KnowledgeBase) -> None:
    bpo, kpo = extreme(kb, -1), extreme(kb, +1)
    ann = await press(emu, ANN, await say(emu, ANN, "/classify"), "skip")
    bob = await press(emu, BOB, await say(emu, BOB, "/classify"), "skip")
    for index in range(1, len(bpo) + 1):
        ann = await press(emu, ANN, ann, f"{index}_{bpo[index - 1]}")
        bob = await press(emu, BOB, bob, f"{index}_{kpo[index - 1]}")
    assert "Verdict: BPO" in ann.text and "Verdict: KPO" in bob.text


async def test_text_typed_mid_dialog(emu: BotAPIEmulator, bot: RunningBot) -> None:
    await press(emu, ANN, await say(emu, ANN, "/classify"), "skip")
    hint = await say(emu, ANN, "what is kpo?")
    assert "buttons below" in hint.text and "/cancel" in hint.text
    assert "Question 1 of" in hint.text and hint.buttons, "the question again, with its buttons"
    moved = await press(emu, ANN, hint, "1_r")
    assert "Question 2 of" in moved.text


async def test_an_idle_dialog_times_out(emu: BotAPIEmulator, kb: KnowledgeBase, tmp_path: Path) -> None:
    running = await RunningBot.start(bot_settings(emu, tmp_path), Engine(kb, dialog_timeout=1.0))
    try:
        message = await press(emu, ANN, await say(emu, ANN, "/classify"), "skip")
        old_button = f"c:{nonce(message)}:1_r"
        await emu.wait_until(lambda: "ended after" in _message(emu, ANN, message.message_id).text,
                             timeout=5, what="the timeout note")
        assert _message(emu, ANN, message.message_id).buttons == []
        emu.press_button(ANN, message.message_id, old_button)
        await emu.wait_until(lambda: "over" in (emu.callback_answers[-1].get("text") or ""),
                             what="a note on the timed-out dialog's button")
    finally:
        await running.stop()


async def test_restart_mid_dialog_continues(emu: BotAPIEmulator, kb: KnowledgeBase, tmp_path: Path) -> None:
    settings = bot_settings(emu, tmp_path)
    first = await RunningBot.start(settings, Engine(kb))
    message = await press(emu, ANN, await say(emu, ANN, "/classify"), "skip")
    message = await press(emu, ANN, message, "1_r")
    await first.stop()
    second = await RunningBot.start(settings, Engine(kb))
    try:
        message = await press(emu, ANN, message, "2_t")
        assert "Question 3 of" in message.text
    finally:
        await second.stop()


async def test_the_timeout_survives_a_restart(emu: BotAPIEmulator, kb: KnowledgeBase, tmp_path: Path) -> None:
    settings = bot_settings(emu, tmp_path)
    first = await RunningBot.start(settings, Engine(kb, dialog_timeout=1.5))
    message = await press(emu, ANN, await say(emu, ANN, "/classify"), "skip")
    await first.stop()
    second = await RunningBot.start(settings, Engine(kb, dialog_timeout=1.5))
    try:
        await emu.wait_until(lambda: "ended after" in _message(emu, ANN, message.message_id).text,
                             timeout=5, what="the timeout note after the restart")
    finally:
        await second.stop()
    await asyncio.sleep(0)
