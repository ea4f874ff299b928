"""Hypothesis strategies for what users can send: hostile, odd and merely unusual text.

Shared by the engine-level fuzz tests (many examples) and the end-to-end ones
(fewer, each a round trip through the real bot and the emulator).
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from bot.paths import templates_dir

FRAGMENTS = [
    # markup that must stay text
    "<b>", "</b>", "<i>x</i>", "<u>", "</u>", "<s>", "<code>", "</pre>", "<tg-spoiler>", "<blockquote>",
    "<a href=\"https://example.com\">link</a>", "<script>alert(1)</script>", "<br>", "<p>", "<", ">",
    "&", "&amp;", "&lt;", "&gt;", "&quot;", "&#60;", "&#x3C;", "&nbsp;", "&bogus;", "<<>>", "</",
    "*bold*", "_it_", "`code`", "```block```", "[x](http://e.com)", "~~s~~", "||spoiler||", "\\",
    "{{ x }}", "{% if %}", "%s", "{0}", "${x}",
    # Unicode that trips naive code
    "👍", "👨‍👩‍👧‍👦", "🇺🇳", "\U0001f600", "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060",
    "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "مرحبا", "שלום", "你好", "КПО",
    "é", "e\u0301", "ﬁ", "Ⅻ", "\u00a0", "\u2028", "\u2029", "\u0085",
    # control characters
    "\x00", "\x01", "\x07", "\x08", "\t", "\n", "\r", "\x0b", "\x0c", "\x1b[31m", "\x7f",
    # things the bot reacts to
    "/start", "/help", "/classify", "/cancel", "/compare", "@kpo_test_bot", "@someone",
    "kpo", "bpo", "what is", "difference", "is payroll bpo or kpo?", " ", "?",
]

TEMPLATE_TAGS = frozenset(
    name.lower()
    for path in templates_dir().glob("*.j2")
    for name in re.findall(r"</?([A-Za-z][A-Za-z0-9-]*)", path.read_text(encoding="utf-8"))
)
"""Tag names the templates write; any other tag in a reply came from user text, unescaped."""
_STRAY = re.compile(r"<(?!/?(?:{})[\s>])".format("|".join(map(re.escape, sorted(TEMPLATE_TAGS)))))


def user_text(max_size: int = 4096) -> st.SearchStrategy[str]:
    """Any text a Telegram user can send: 1 to ``max_size`` characters, no lone surrogates."""
    pieces = st.one_of(st.text(max_size=30), st.sampled_from(FRAGMENTS))
    mixed = st.lists(pieces, min_size=1, max_size=40).map("".join)
    long = st.tuples(st.sampled_from(FRAGMENTS), st.integers(1, max_size)).map(
        lambda fi: (fi[0] * max_size)[: fi[1]])
    return st.one_of(mixed, mixed, mixed, long, st.text(min_size=1, max_size=max_size)).map(
        lambda t: t[:max_size]).filter(bool)


def callback_data() -> st.SearchStrategy[str]:
    """Button payloads a modified client could send (Telegram passes up to 64 bytes through)."""
    schemes = st.sampled_from(["a", "s", "t", "c", "m", "d", "o", "x", "A", ""])
    structured = st.tuples(schemes, st.text(max_size=40), st.text(max_size=20)).map(
        lambda p: f"{p[0]}:{p[1]}:{p[2]}")
    return st.one_of(st.text(min_size=1, max_size=64), structured, st.sampled_from(FRAGMENTS)).filter(
        lambda d: 1 <= len(d.encode("utf-8")) <= 64)


def stray_markup(html: str) -> list[str]:
    """Every '<' in a reply that does not open or close a tag the templates write.

    The templates escape whatever users typed, so any such '<' (a user's
    "<script>", "<u>" or lone "<") reached the HTML unescaped.
    """
    return [html[m.start(): m.start() + 20] for m in _STRAY.finditer(html)]
