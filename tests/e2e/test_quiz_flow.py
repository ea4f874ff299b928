"""/quiz end to end: the real Application sends quiz polls to the emulator and reads poll_answer updates."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.quizround import Best
from bot.telegram.app import STATE_FILE
from bot.telegram.quizstate import BEST_KEY
from tests.e2e.harness import RunningBot, bot_settings, failed_calls, unhandled_errors
from tests.emulator import BotAPIEmulator, SentMessage

ANN, BOB, GROUP = 701, 702, -100701


def poll_of(message: SentMessage) -> dict[str, Any]:
    assert message.poll is not None
    return message.poll


async def nth_poll(emu: BotAPIEmulator, chat: int, n: int) -> dict[str, Any]:
    """The chat's n-th poll (1-based), once the bot has sent it."""
    await emu.wait_until(lambda: len(emu.polls(chat)) >= n, what=f"poll {n} in chat {chat}")
    return poll_of(emu.polls(chat)[n - 1])


async def last_text(emu: BotAPIEmulator, chat: int, count: int) -> SentMessage:
    """The chat's latest text message, once the bot has sent `count` text messages."""
    await emu.wait_until(lambda: len(texts(emu, chat)) >= count, what=f"{count} text message(s) in {chat}")
    return texts(emu, chat)[-1]


def texts(emu: BotAPIEmulator, chat: int) -> list[SentMessage]:
    return [m for m in emu.messages(chat) if m.poll is None]


def vote(emu: BotAPIEmulator, poll: dict[str, Any], user: int, right: bool, name: str = "Ann") -> None:
    correct = poll["correct_option_ids"][0]
    emu.answer_poll(poll["id"], user, [correct if right else 1 - correct], first_name=name)


def assert_quiz_poll(poll: dict[str, Any]) -> None:
    """What the issue asks of every poll (the emulator already refused anything Telegram would)."""
    assert poll["type"] == "quiz" and poll["is_anonymous"] is False
    assert len(poll["correct_option_ids"]) == 1 and 2 <= len(poll["options"]) <= 10
    assert 0 < len(poll["explanation"]) <= 200 and poll["explanation"].endswith(")"), "cites its source"


async def settle(emu: BotAPIEmulator, bot: RunningBot) -> None:
    await emu.wait_until(lambda: not emu.updates.pending, what="every update fetched")
    await bot.app.update_queue.join()


async def test_a_private_round_scores_and_offers_what_was_missed(
        emu: BotAPIEmulator, bot: RunningBot, engine: Engine) -> None:
    emu.user_message(ANN, "/quiz")
    intro = await last_text(emu, ANN, 1)
    assert "Quiz: 5 questions" in intro.text
    for n, right in enumerate([True, True, False, True, True], start=1):
        poll = await nth_poll(emu, ANN, n)
        assert_quiz_poll(poll)
        vote(emu, poll, ANN, right)
    card = await last_text(emu, ANN, 2)
    assert card.text.startswith("🏁 4/5 — you mixed up ")
    data = [b["callback_data"] for b in card.buttons]
    assert data[-1] == "m:quiz" and len(data) == 2
    assert engine.press(data[0]).kind in ("answer", "classification"), "the button opens what was missed"
    assert len(emu.polls(ANN)) == 5, "one poll per question"
    assert bot.app.user_data[ANN][BEST_KEY] == Best(4, 5, bot.app.user_data[ANN][BEST_KEY].at)
    assert ANN not in bot.app.chat_data, "the round is forgotten once it ends"
    emu.press_button(ANN, card.message_id, "q:abc123:1")  # forged: answers only exist in the terminal
    await emu.wait_until(lambda: len(emu.callback_answers) == 1, what="the forged press answered")
    assert emu.callback_answers[0]["text"]
    assert failed_calls(emu) == []


async def test_the_play_again_button_starts_a_new_round(emu: BotAPIEmulator, bot: RunningBot) -> None:
    emu.user_message(ANN, "/quiz 1")
    vote(emu, await nth_poll(emu, ANN, 1), ANN, True)
    card = await last_text(emu, ANN, 2)
    assert "1/1 — all right" in card.text
    emu.press_button(ANN, card.message_id, "m:quiz")
    second = await nth_poll(emu, ANN, 2)
    assert "Quiz: 5 questions" in (await last_text(emu, ANN, 3)).text
    assert emu.callback_answers[-1].get("text") is None, "the press is answered without a note"
    vote(emu, second, ANN, True)
    await nth_poll(emu, ANN, 3)
    emu.user_message(ANN, "/cancel")
    stopped = await last_text(emu, ANN, 4)
    assert "Quiz stopped" in stopped.text and "1/1" in stopped.text
    assert "Your best so far: 1/1" in stopped.text
    emu.user_message(ANN, "/cancel")
    assert "nothing to cancel" in (await last_text(emu, ANN, 5)).text.lower()
    assert failed_calls(emu) == []


async def test_a_group_round_waits_for_its_players_and_ends_with_a_leaderboard(
        emu: BotAPIEmulator, bot: RunningBot) -> None:
    emu.user_message(GROUP, "/quiz@kpo_test_bot 3", user_id=ANN, chat_type="group", first_name="Ann")
    intro = await last_text(emu, GROUP, 1)
    assert "Everyone here can play" in intro.text
    first = await nth_poll(emu, GROUP, 1)
    vote(emu, first, BOB, True, "Bob")  # Bob joins; Ann, who started the round, has not answered
    await settle(emu, bot)
    assert len(emu.polls(GROUP)) == 1, "the round waits for Ann"
    vote(emu, first, ANN, False)
    second = await nth_poll(emu, GROUP, 2)
    vote(emu, second, ANN, True)
    await settle(emu, bot)
    assert len(emu.polls(GROUP)) == 2, "the round waits for Bob, who played before"
    vote(emu, second, BOB, True, "Bob")
    third = await nth_poll(emu, GROUP, 3)
    emu.user_message(GROUP, "/quiz", user_id=BOB, chat_type="group", first_name="Bob")
    running = await last_text(emu, GROUP, 2)
    assert "already under way" in running.text, "a second /quiz does not end the others' round"
    vote(emu, third, BOB, True, "Bob")
    vote(emu, third, ANN, True)
    board = await last_text(emu, GROUP, 3)
    assert "Leaderboard" in board.text and board.text.index("Bob: 3/3") < board.text.index("Ann: 2/3")
    assert board.buttons[-1]["callback_data"] == "m:quiz"
    assert bot.app.user_data[BOB][BEST_KEY].right == 3 and bot.app.user_data[ANN][BEST_KEY].right == 2
    assert GROUP not in bot.app.chat_data
    assert failed_calls(emu) == []


async def test_an_unanswered_question_times_out_and_the_round_moves_on(
        emu: BotAPIEmulator, kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    running = await RunningBot.start(bot_settings(emu, tmp_path), Engine(kb, semantic=False, quiz_seconds=1.0))
    try:
        emu.user_message(ANN, "/quiz 2")
        first = await nth_poll(emu, ANN, 1)
        assert first["open_period"] == 5, "Telegram's shortest open period"
        second = await nth_poll(emu, ANN, 2)  # nobody answered the first: its time ran out
        vote(emu, first, ANN, True)  # still open on Telegram, but the round has moved on: not counted
        vote(emu, second, ANN, True)
        card = await last_text(emu, ANN, 2)
        assert "1/2" in card.text and "No answer to:" in card.text
        emu.user_message(ANN, "/quiz 5")
        await nth_poll(emu, ANN, 3)
        stopped = await last_text(emu, ANN, 4)  # two questions nobody answered: nobody is playing
        assert "nobody answered" in stopped.text and "0/2" in stopped.text
        assert len(emu.polls(ANN)) == 4
    finally:
        await running.stop()
    assert failed_calls(emu) == [] and unhandled_errors(caplog.records) == []


async def test_a_round_goes_on_after_a_restart(emu: BotAPIEmulator, kb: KnowledgeBase, tmp_path: Path) -> None:
    settings = bot_settings(emu, tmp_path)
    engine = Engine(kb, semantic=False)
    first = await RunningBot.start(settings, engine)
    emu.user_message(ANN, "/quiz 2")
    poll = await nth_poll(emu, ANN, 1)
    await first.stop()
    stored = pickle.loads((tmp_path / STATE_FILE).read_bytes())
    assert list(stored["chat_data"]) == [ANN], "the round is in the state file"
    second = await RunningBot.start(settings, engine)
    try:
        vote(emu, poll, ANN, True)
        vote(emu, await nth_poll(emu, ANN, 2), ANN, False)
        assert "1/2" in (await last_text(emu, ANN, 2)).text
    finally:
        await second.stop()
    stored = pickle.loads((tmp_path / STATE_FILE).read_bytes())
    assert stored["chat_data"] == {}, "nothing of the chat is kept after the round"
    assert stored["user_data"] == {ANN: {BEST_KEY: stored["user_data"][ANN][BEST_KEY]}}


async def test_the_inline_quiz_card_opens_the_bot_with_start_quiz(emu: BotAPIEmulator, bot: RunningBot) -> None:
    emu.inline_query(ANN, "quiz")
    await emu.wait_until(lambda: len(emu.inline_answers) == 1, what="the inline answer")
    card = emu.inline_answers[0]["results"][0]
    assert card["id"] == "quiz" and "Test yourself" in card["input_message_content"]["message_text"]
    url = card["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert url == "https://t.me/kpo_test_bot?start=quiz"
    emu.user_message(ANN, "/start quiz")
    assert "Quiz: 5 questions" in (await last_text(emu, ANN, 1)).text
    assert_quiz_poll(await nth_poll(emu, ANN, 1))
    assert failed_calls(emu) == []


@pytest.mark.parametrize("command", ["/quiz ten", "/quiz 0", "/quiz 21", "/quiz 3 4"])
async def test_an_odd_round_size_gets_the_usage_note(emu: BotAPIEmulator, bot: RunningBot, command: str) -> None:
    emu.user_message(ANN, command)
    assert "/quiz 10" in (await last_text(emu, ANN, 1)).text
    await settle(emu, bot)
    assert emu.polls(ANN) == []


async def test_the_command_menu_and_help_list_quiz(emu: BotAPIEmulator, bot: RunningBot) -> None:
    emu.user_message(ANN, "/help")
    help_text = (await last_text(emu, ANN, 1)).text
    assert "/quiz" in help_text
    assert "quiz" in [c["command"] for c in emu.my_commands()]
