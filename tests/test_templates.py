"""Templates: every reply for every knowledge entry is valid Telegram HTML, and user text is escaped."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.render import Renderer, fit, paragraphs, shorten
from bot.tghtml import MAX_MESSAGE_LENGTH, parse_html


def _valid(text: str) -> str:
    plain = parse_html(text)
    assert plain.strip(), "empty message"
    assert len(plain) <= MAX_MESSAGE_LENGTH
    return plain


def test_templates_compile() -> None:
    assert Renderer().check() == []


def test_every_answer_and_verdict_renders_valid_html(engine: Engine) -> None:
    for entry in engine.kb.faq.values():
        plain = _valid(engine.answer(entry).text)
        assert entry.question in plain
    for task in engine.kb.tasks.values():
        plain = _valid(engine.press(f"t:{task.id}").text)
        assert task.verdict in plain and task.name in plain
        if task.faq is not None:  # the task's own FAQ entry, opened by its verdict
            plain = _valid(engine.answer(engine.kb.faq[task.faq], 90.0, task).text)
            assert plain.startswith(f"{task.name}: {task.verdict}.")


def test_fixed_screens_render_valid_html(engine: Engine) -> None:
    for reply in (engine.start(), engine.help(), engine.non_text(), engine.reply(""),
                  engine.reply("bonjour, quelle est la différence entre le kpo et le bpo ?")):
        _valid(reply.text)


@pytest.mark.parametrize("text", [
    "<b>what</b> is <script>alert(1)</script> & kpo?",
    "is <i>payroll</i> & <u>stuff</u> bpo or kpo",
    "&lt; &amp; </b> <<<>>> what's the weather",
    "x" * 5000,
])
def test_user_text_is_escaped_wherever_it_is_quoted(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    plain = _valid(reply.text)
    assert "<script>" not in reply.text
    if "weather" in text:
        assert "<<<>>>" in plain or reply.kind != "fallback"


def test_answer_bullets_become_plain_bullets() -> None:
    assert str(paragraphs("Intro\n- one <b>\n- two & three")) == "Intro\n• one &lt;b&gt;\n• two &amp; three"


def test_shorten_cuts_on_a_word() -> None:
    assert shorten("alpha beta gamma delta", 12) == "alpha beta…"
    assert shorten("short", 12) == "short"


def test_fit_trims_long_text_at_a_paragraph() -> None:
    block = "<b>Title</b>\n\n" + "\n\n".join(["word " * 100] * 20)
    out = fit(block)
    assert len(parse_html(out)) <= MAX_MESSAGE_LENGTH
    assert out.startswith("<b>Title</b>") and out.endswith("…")


def test_privacy_says_what_the_bot_keeps(engine: Engine) -> None:
    on, off = engine.privacy(True, 90).text, engine.privacy(False, 0).text
    for promise in ("salted hash", "deleted after 90 days", "never by your name or id", "300 characters"):
        assert promise in on
    assert "no log of your questions" in off and "salted hash" not in off
    for text in (on, off):
        assert "deleted as soon as the dialog ends, you cancel it, or it times out" in text
        assert "deleted when the round ends" in text and "best result" in text and "30 days" in text
        assert "never what you wrote" in text
