"""Inline comparison cards and the /compare browser, end to end through the emulator."""

from __future__ import annotations

from typing import Any

from bot.knowledge import KnowledgeBase
from tests.e2e.harness import RunningBot, failed_calls
from tests.emulator import BotAPIEmulator, SentMessage

ANN = 601


async def ask_inline(emu: BotAPIEmulator, query: str, offset: str = "") -> dict[str, Any]:
    count = len(emu.inline_answers)
    emu.inline_query(ANN, query, offset=offset)
    await emu.wait_until(lambda: len(emu.inline_answers) > count, what=f"an answer to {query!r}")
    assert failed_calls(emu) == []  # the emulator accepted every card
    return emu.inline_answers[-1]


def ids(answer: dict[str, Any]) -> list[str]:
    return [r["id"] for r in answer["results"]]


async def test_empty_query_offers_the_overview_the_quiz_then_each_dimension(
        emu: BotAPIEmulator, bot: RunningBot, kb: KnowledgeBase) -> None:
    answer = await ask_inline(emu, "")
    assert ids(answer) == ["overview", "quiz", *(f"dim:{d}" for d in kb.dimensions)]
    first = answer["results"][0]
    assert first["title"] == "KPO vs BPO at a glance" and first["description"]
    assert answer["button"]["start_parameter"] == "classify"
    assert answer["cache_time"] > 0
    for result in answer["results"]:
        assert result["type"] == "article" and result["description"]
        url = result["reply_markup"]["inline_keyboard"][0][0]["url"]
        assert url.startswith("https://t.me/kpo_test_bot?start=")


async def test_a_dimension_query(emu: BotAPIEmulator, bot: RunningBot) -> None:
    for query, expected in (("skills", "dim:skills"), ("pay", "dim:pay"), ("risk", "dim:security")):
        assert ids(await ask_inline(emu, query))[0] == expected


async def test_a_task_query_gives_the_verdict(emu: BotAPIEmulator, bot: RunningBot) -> None:
    answer = await ask_inline(emu, "payroll")
    top = answer["results"][0]
    assert top["id"] == "task:payroll" and top["title"] == "Payroll processing: BPO"
    assert "Payroll processing: BPO" in top["input_message_content"]["message_text"]


async def test_a_question_query_gives_the_answer(emu: BotAPIEmulator, bot: RunningBot) -> None:
    assert ids(await ask_inline(emu, "what is kpo"))[0] == "faq:what_is_kpo"


async def test_no_match_gives_one_card_pointing_to_the_bot(emu: BotAPIEmulator, bot: RunningBot) -> None:
    answer = await ask_inline(emu, "zxqv blorptastic")
    assert ids(answer) == ["none"] and answer["next_offset"] in ("", None)


async def test_paging_with_next_offset(emu: BotAPIEmulator, bot: RunningBot) -> None:
    first = await ask_inline(emu, "bpo")
    assert len(first["results"]) == 20 and first["next_offset"] == "20"
    second = await ask_inline(emu, "bpo", offset=first["next_offset"])
    assert second["results"] and not set(ids(first)) & set(ids(second))


async def test_a_256_character_query(emu: BotAPIEmulator, bot: RunningBot) -> None:
    answer = await ask_inline(emu, ("what is the pay in kpo <b>&amp; " * 12)[:256])
    assert answer["results"]


async def press(emu: BotAPIEmulator, message: SentMessage, data: str) -> SentMessage:
    edits = message.edit_count
    emu.press_button(ANN, message.message_id, data)
    await emu.wait_until(lambda: _current(emu, message).edit_count > edits, what=f"{data} shown")
    return _current(emu, message)


def _current(emu: BotAPIEmulator, message: SentMessage) -> SentMessage:
    return next(m for m in emu.messages(ANN) if m.message_id == message.message_id)


def _data(message: SentMessage, label: str) -> str:
    return next(b["callback_data"] for b in message.buttons if b["text"] == label)


async def test_compare_navigates_every_dimension_and_back(
        emu: BotAPIEmulator, bot: RunningBot, kb: KnowledgeBase) -> None:
    emu.user_message(ANN, "/compare")
    overview = (await emu.wait_for_messages(ANN, 1))[-1]
    assert "KPO vs BPO at a glance" in overview.text
    assert [b["callback_data"] for b in overview.buttons] == [*(f"d:{d}" for d in kb.dimensions), "p:compare"]
    card = await press(emu, overview, f"d:{next(iter(kb.dimensions))}")
    seen = []
    for _ in kb.dimensions:
        seen.append(card.text.split("\n")[0])
        card = await press(emu, card, _data(card, "Next »"))
    assert seen == [f"{d.name} (1 of 1)".replace("1 of 1", f"{i} of {len(kb.dimensions)}")
                    for i, d in enumerate(kb.dimensions.values(), start=1)]
    card = await press(emu, card, _data(card, "« Previous"))
    assert card.text.startswith(list(kb.dimensions.values())[-1].name)
    back = await press(emu, card, _data(card, "Overview"))
    assert back.text == overview.text and back.message_id == overview.message_id
    assert failed_calls(emu) == []


async def test_deep_links_open_a_topic(emu: BotAPIEmulator, bot: RunningBot, kb: KnowledgeBase) -> None:
    expected = {
        "/start compare_pay": kb.dimensions["pay"].name,
        "/start compare": "KPO vs BPO at a glance",
        "/start faq_what_is_kpo": kb.faq["what_is_kpo"].question,
        "/start task_payroll": "Payroll processing: BPO",
        "/start classify": "Describe the task",
        "/start nonsense_param": "I explain KPO and BPO",
    }
    for count, (command, text) in enumerate(expected.items(), start=1):
        emu.user_message(ANN, command)
        message = (await emu.wait_for_messages(ANN, count))[-1]
        assert text in message.text, (command, message.text[:80])
