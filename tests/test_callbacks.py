"""Callback data: strict parsing, and every button the bot can produce fits Telegram's 64 bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from bot.engine import Engine


def test_round_trip() -> None:
    assert callbacks.decode(callbacks.encode("a", "what_is_kpo")) == callbacks.Callback("a", "what_is_kpo")


@pytest.mark.parametrize("data", [
    "", "a", "a:", ":x", "z:what_is_kpo", "a:What_Is", "a:../../etc/passwd", "a:x;rm -rf",
    "a:" + "x" * 33, "a:ok:" + "y" * 17, "a:ok\n", " a:ok", "a:ok:b:c", "ä:ok", "a:" + "é" * 20,
])
def test_forged_data_is_rejected(data: str) -> None:
    assert callbacks.decode(data) is None


@given(st.text(max_size=80))
def test_arbitrary_data_never_raises(data: str) -> None:
    parsed = callbacks.decode(data)
    assert parsed is None or parsed.kind in callbacks.KINDS


def _every_reply(engine: Engine):
    kb = engine.kb
    yield engine.start()
    yield engine.help()
    for entry in kb.faq.values():
        yield engine.answer(entry)
        yield engine.reply(entry.question)
    for task in kb.tasks.values():
        yield engine.press(f"t:{task.id}")
    yield engine.reply("what is the weather in paris")
    yield engine.comparison()
    state, reply = engine.step_command("classify", None, 0.0)
    yield reply
    yield engine.step_press(f"c:{state.nonce}:skip", state, 0.0)[1]


def test_every_button_fits_and_parses_back(engine: Engine) -> None:
    for reply in _every_reply(engine):
        for row in reply.buttons:
            assert 1 <= len(row) <= 8
            for button in row:
                assert button.data is not None
                assert 1 <= len(button.data.encode()) <= callbacks.MAX_BYTES
                assert callbacks.decode(button.data) is not None
                if button.data.startswith("c:"):
                    continue  # dialog buttons need their dialog: tests/test_dialog.py
                assert engine.step_press(button.data, None, 0.0)[1].kind != "stale"


@pytest.mark.parametrize("data", ["a:\ud800", "\udcff", "a:what_is_kpo\ud800", "a:é"])
def test_data_outside_ascii_is_refused_without_raising(data: str) -> None:
    assert callbacks.decode(data) is None


def test_the_limits_are_telegrams() -> None:
    from telegram.constants import InlineKeyboardButtonLimit, InlineQueryLimit

    from bot.cards import PAGE_SIZE

    assert callbacks.MAX_BYTES == InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
    assert PAGE_SIZE <= InlineQueryLimit.RESULTS


def test_deep_links_are_telegrams() -> None:
    from bot.telegram.handlers import deep_link

    assert deep_link("kpo_test_bot", "compare_pay") == "https://t.me/kpo_test_bot?start=compare_pay"
