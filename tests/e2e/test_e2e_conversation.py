"""A conversation through Telegram: follow-ups, several tasks or questions in one message."""

from __future__ import annotations

from bot.engine import Engine
from tests.e2e.harness import RunningBot, failed_calls
from tests.emulator import BotAPIEmulator

USER = 4242


async def test_a_follow_up_after_a_verdict_is_read_with_it(
        bot: RunningBot, emu: BotAPIEmulator) -> None:
    emu.user_message(USER, "is financial modelling bpo or kpo?")
    emu.user_message(USER, "why?")
    emu.user_message(USER, "and bookkeeping?")
    verdict, why, other = await emu.wait_for_messages(USER, 3)
    assert "KPO" in verdict.text
    assert "Why financial modelling is KPO" in why.text, "the reason for the same task"
    assert "Bookkeeping: BPO" in other.text
    assert any("bpo_examples" in (b.get("callback_data") or "") for b in other.buttons), \
        "after a BPO verdict, BPO examples"
    assert failed_calls(emu) == []


async def test_three_tasks_in_one_message_get_three_verdicts_in_order(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    text = "- payroll\n- patent filing\n- data entry"
    emu.user_message(USER, text)
    [reply] = await emu.wait_for_messages(USER, 1)
    lines = [line for line in reply.text.splitlines() if line.startswith("•")]
    assert [line.split(":")[1].split(".")[0].strip() for line in lines] == ["BPO", "KPO", "BPO"]
    assert reply.html == engine.converse(text, None, 0.0).text
    assert failed_calls(emu) == []


async def test_several_questions_get_one_reply_within_telegrams_limit(
        bot: RunningBot, emu: BotAPIEmulator) -> None:
    emu.user_message(USER, "what is kpo, what is bpo, and who earns more?")
    [reply] = await emu.wait_for_messages(USER, 1)
    assert "What is KPO" in reply.text and "What is BPO" in reply.text and "earns more" in reply.text
    assert len(reply.text) <= 4096 and len(reply.buttons) <= 3
    assert failed_calls(emu) == []


async def test_an_unknown_command_lists_the_commands(bot: RunningBot, emu: BotAPIEmulator) -> None:
    emu.user_message(USER, "/quizz")
    [reply] = await emu.wait_for_messages(USER, 1)
    assert "don't know the command" in reply.text and "/classify" in reply.text


async def test_typed_next_and_back_act_as_the_compare_cards_buttons(
        bot: RunningBot, emu: BotAPIEmulator) -> None:
    emu.user_message(USER, "/compare")
    [overview] = await emu.wait_for_messages(USER, 1)
    dimension = next(b["callback_data"] for b in overview.buttons if b["callback_data"].startswith("d:"))
    emu.press_button(USER, overview.message_id, dimension)
    await emu.wait_until(lambda: "(1 of" in emu.messages(USER)[0].text, what="the first dimension card")
    emu.user_message(USER, "next")
    _, second = await emu.wait_for_messages(USER, 2)
    assert "(2 of" in second.text, "typed next shows the next dimension"
    emu.user_message(USER, "back")
    *_, again = await emu.wait_for_messages(USER, 3)
    assert "(1 of" in again.text
    assert failed_calls(emu) == []
