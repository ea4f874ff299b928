"""Crafted input anyone can send: deep links, offsets, digits and button data outside the scheme."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.tghtml import parse_html
from tests.test_cli import kpo_bot


def test_a_deep_link_to_an_unknown_dimension_gets_the_comparison(engine: Engine) -> None:
    state, reply = engine.step_start("compare_nosuchthing", None, 0.0)
    assert state is None and reply.kind == "comparison" and reply.text
    parse_html(reply.text)


def test_chat_survives_a_deep_link_to_an_unknown_dimension() -> None:
    result = kpo_bot("chat", stdin="/start compare_nosuchthing\nwhat is kpo\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Knowledge Process Outsourcing" in result.stdout


@pytest.mark.parametrize("offset", ["²", "٣", "1" * 5000, "-1", " 3", "20.0", "0x10"])
def test_an_inline_offset_outside_the_pages_starts_from_the_first(engine: Engine, offset: str) -> None:
    page = engine.inline("", offset)
    assert page.cards and page.cards == engine.inline("", "").cards


def test_chat_survives_unicode_digits_and_huge_numbers() -> None:
    result = kpo_bot("chat", stdin="²\n" + "9" * 5000 + "\n٣\nwhat is kpo\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Knowledge Process Outsourcing" in result.stdout


def test_inline_cards_are_cached_per_entry_not_per_query(engine: Engine) -> None:
    """Every keystroke is a new query: each must not keep its own rendered copies of the cards."""
    seen: dict[str, set[int]] = {}
    for query in ("p", "pa", "pay", "pay ", "pay?", "salary", "salaries", "who earns more", "payroll", "kpo"):
        for offset in ("", "20", "40"):
            for card in engine.inline(query, offset).cards:
                seen.setdefault(card.id, set()).add(id(card))
    assert seen and all(len(objects) == 1 for card_id, objects in seen.items() if card_id != "none")
