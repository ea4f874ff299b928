"""Crafted input anyone can send: deep links, offsets, digits and button data outside the scheme."""

from __future__ import annotations

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
