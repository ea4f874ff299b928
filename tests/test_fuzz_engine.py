"""Bad input straight into the engine: it never crashes, and everything it says Telegram accepts.

Many examples here, because each costs microseconds; tests/e2e/test_e2e_fuzz.py
sends fewer through the real bot and the emulator.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.engine import Engine
from bot.reply import Reply
from tests.emulator.telegram_text import message_text_error
from tests.fuzz_inputs import callback_data, stray_markup, user_text

FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
MAX_NOTE = 200


def assert_sendable(reply: Reply) -> None:
    """What Telegram would accept: valid HTML text, short notes, valid buttons."""
    if reply.kind == "stale":
        assert reply.note and len(reply.note) <= MAX_NOTE
        return
    assert message_text_error(reply.text) is None, reply.text[:200]
    assert stray_markup(reply.text) == [], reply.text[:300]
    assert len(reply.buttons) <= 100 and all(len(row) <= 8 for row in reply.buttons)
    for row in reply.buttons:
        for button in row:
            assert button.text.strip()
            assert (button.data is None) != (button.url is None)
            if button.data is not None:
                assert callbacks.decode(button.data) is not None, button.data
                assert len(button.data.encode("utf-8")) <= 64


@pytest.mark.slow
@settings(FUZZ, max_examples=1000)
@given(text=user_text())
def test_any_text_gets_a_reply_telegram_accepts(engine: Engine, text: str) -> None:
    assert_sendable(engine.reply(text))
    state, reply = engine.step_text(text, None, time.time())
    assert_sendable(reply)


@pytest.mark.slow
@FUZZ
@given(text=user_text(max_size=300))
def test_any_text_inside_a_dialog_gets_a_reply_telegram_accepts(engine: Engine, text: str) -> None:
    state, _ = engine.step_command("classify", None, time.time())
    _, reply = engine.step_text(text, state, time.time())
    assert_sendable(reply)


@pytest.mark.slow
@FUZZ
@given(data=callback_data())
def test_any_button_data_gets_a_reply_or_a_short_note(engine: Engine, data: str) -> None:
    reply = engine.press(data)
    assert_sendable(reply)
    if callbacks.decode(data) is None:
        assert reply.kind == "stale" and reply.note == engine.stale().note
    _, reply = engine.step_press(data, None, time.time())
    assert_sendable(reply)


@pytest.mark.slow
@FUZZ
@given(query=user_text(max_size=256), offset=st.one_of(st.just(""), st.text(max_size=64)))
def test_any_inline_query_gets_cards_telegram_accepts(engine: Engine, query: str, offset: str) -> None:
    page = engine.inline(query, offset)
    assert len(page.cards) <= 50
    assert len({card.id for card in page.cards}) == len(page.cards)
    assert (page.next_offset is None) or len(page.next_offset.encode("utf-8")) <= 64
    for card in page.cards:
        assert 1 <= len(card.id.encode("utf-8")) <= 64
        assert card.title.strip()
        assert message_text_error(card.text) is None
        assert stray_markup(card.text) == []


@pytest.mark.parametrize("text", [
    "<b>hi</b> & <script>alert(1)</script>",
    "a < b && c > d",
    "&lt;i&gt;already escaped&lt;/i&gt;",
    "<a href=\"https://evil.example\">click</a>",
])
def test_markup_in_a_question_is_shown_as_typed(engine: Engine, text: str) -> None:
    from tests.emulator.telegram_text import formatted_text

    reply = engine.reply(text)
    assert_sendable(reply)
    shown, _ = formatted_text(reply.text)
    assert text in shown  # quoted back literally (these are short enough not to be shortened)
