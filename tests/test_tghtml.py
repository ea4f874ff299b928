"""bot.tghtml (and the emulator's telegram_text on top of it) must accept and refuse exactly
what Telegram's HTML parser does.

The expected reasons are Telegram's own wording (tdlib's parse_html), so a
message the renderer lets through is one Telegram will take.
"""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.constants import MessageLimit

from bot.tghtml import MAX_CAPTION_LENGTH, MAX_MESSAGE_LENGTH, TelegramHTMLError, parse_entities, parse_html
from tests.emulator.telegram_text import (
    formatted_text,
    message_text_error,
    visible_length,
)

VALID = [
    ("plain text", "plain text"),
    ("<b>bold</b> <strong>strong</strong>", "bold strong"),
    ("<i>i</i><em>em</em><u>u</u><ins>ins</ins>", "iemuins"),
    ("<s>s</s><strike>st</strike><del>del</del>", "sstdel"),
    ('<span class="tg-spoiler">hidden</span><tg-spoiler>too</tg-spoiler>', "hiddentoo"),
    ('<a href="https://example.com/?a=1&amp;b=2">link</a>', "link"),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ("<code>x &lt; y</code>", "x < y"),
    ('<pre><code class="language-python">print(1)</code></pre>', "print(1)"),
    ("<blockquote>quote</blockquote>", "quote"),
    ("<blockquote expandable>long quote</blockquote>", "long quote"),
    ("<B>upper</B> <I>mixed</i>", "upper mixed"),
    ('<b class="ignored" data-x=\'y\'>attrs</b>', "attrs"),
    ("<b><i><u>nested</u></i></b>", "nested"),
    ("<b>closed by empty end tag</>", "closed by empty end tag"),
    ("<b>spaces before end</b  >", "spaces before end"),
    ("tail > is fine", "tail > is fine"),
    ("KPO &gt; BPO?", "KPO > BPO?"),
    ("", ""),
]

INVALID = [
    ("<p>paragraph</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
    ("self <br/>", 'Unsupported start tag "br/" at byte offset 5'),
    ("<ul><li>x</li></ul>", 'Unsupported start tag "ul" at byte offset 0'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("x<3 y", 'Unsupported start tag "3" at byte offset 1'),
    ("x<3", "Unclosed start tag at byte offset 1"),
    ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>two</i>", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<i><a href='https://x.io'>y</i></a>", 'Unmatched end tag at byte offset 27, expected "</a>", found "</i>"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("<b>x</ b>", "Unclosed end tag at byte offset 4"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<span class="spoiler">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("trailing <", "Unclosed start tag at byte offset 9"),
    ("<b ", 'Empty attribute name in the tag "b" at byte offset 0'),
    ('<a href="https://x.io', "Unclosed start tag at byte offset 0"),
    ("<a href=", 'Unclosed start tag "a" at byte offset 0'),
    ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
    ("<a href=https://x.io>y</a>", "Unexpected end of name token at byte offset 8"),
    ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
    ("&#xD83D;&#xDE00;", "Text contains invalid Unicode characters after decoding HTML entities, "
     "check for unmatched surrogate code units"),
]


@pytest.mark.parametrize(("source", "plain"), VALID)
def test_valid_html_parses_to_its_visible_text(source: str, plain: str) -> None:
    assert parse_html(source) == plain


@pytest.mark.parametrize(("source", "reason"), INVALID)
def test_invalid_html_fails_with_telegrams_reason(source: str, reason: str) -> None:
    with pytest.raises(TelegramHTMLError) as caught:
        parse_html(source)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("&lt;&gt;&amp;&quot;", '<>&"'),
        ("&#65;&#x42;&#x1F600;", "AB😀"),
        ("&lt no semicolon &amp", "< no semicolon &"),
        ("&nbsp;&copy;&apos;", "&nbsp;&copy;&apos;"),  # only four named entities exist
        ("&LT; &Amp;", "&LT; &Amp;"),  # names are case-sensitive
        ("&ltx;", "&ltx;"),
        ("&#X41; &#; &#x; &#0;", "&#X41; &#; &#x; &#0;"),  # not references
        ("&#1114111; &#x10FFFF;", "&#1114111; &#x10FFFF;"),  # U+10FFFF and above stay literal
        ("&#00000065;", "&#00000065;"),  # ten bytes or more stay literal
        ("&#0000065;", "A"),
        ("AT&T & co", "AT&T & co"),
        ('<a href="x&quot;y">q</a>', "q"),
    ],
)
def test_entities_decode_like_telegram(source: str, plain: str) -> None:
    assert parse_html(source) == plain


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("😀<p>", 'Unsupported start tag "p" at byte offset 4'),
        ("é<p>", 'Unsupported start tag "p" at byte offset 2'),
        ("Привет <p>", 'Unsupported start tag "p" at byte offset 13'),
        ("<b>日本</i>", 'Unmatched end tag at byte offset 9, expected "</b>", found "</i>"'),
        ("&lt;😀</b>", "Unexpected end tag at byte offset 8"),
    ],
)
def test_byte_offsets_count_utf8_bytes(source: str, reason: str) -> None:
    with pytest.raises(TelegramHTMLError, match="^" + reason.replace("(", r"\(") + "$"):
        parse_html(source)


def test_visible_length_counts_code_points_after_parsing() -> None:
    assert visible_length("<b>😀</b>") == 1
    assert visible_length("&lt;b&gt;") == 3
    assert visible_length('<a href="https://very.long/url">x</a>') == 1
    assert visible_length("\u00e9") == 1


def test_message_length_limit_applies_after_parsing() -> None:
    assert message_text_error("x" * MAX_MESSAGE_LENGTH) is None
    assert message_text_error("<b>" + "x" * MAX_MESSAGE_LENGTH + "</b>") is None
    assert message_text_error("&amp;" * MAX_MESSAGE_LENGTH) is None
    assert message_text_error("😀" * MAX_MESSAGE_LENGTH) is None
    assert message_text_error("x" * (MAX_MESSAGE_LENGTH + 1)) == "Bad Request: message is too long"
    assert message_text_error("&lt;" * (MAX_MESSAGE_LENGTH + 1)) == "Bad Request: message is too long"


def test_message_text_error_descriptions() -> None:
    assert message_text_error("") == "Bad Request: message text is empty"
    assert message_text_error(" \n\t ") == "Bad Request: message text is empty"
    assert message_text_error("<b> </b>\n") == "Bad Request: message text is empty"
    assert message_text_error("\u2800") == "Bad Request: message text is empty"
    assert message_text_error("<p>x</p>") == (
        'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 0'
    )
    assert message_text_error("<p>x</p>", html=False) is None
    assert message_text_error("a < b", html=False) is None
    assert message_text_error("\ud800") == "Bad Request: strings must be encoded in UTF-8"
    assert message_text_error("<b>ok</b>") is None


def test_entities_have_telegram_types_and_utf16_offsets() -> None:
    text, entities = formatted_text('😀 <b>bold</b> <a href="https://kpo.example">link</a>')
    assert text == "😀 bold link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://kpo.example"},
    ]


def test_pre_with_language_is_one_entity() -> None:
    _, entities = parse_entities('<pre><code class="language-py">x</code></pre><code>y</code>')
    assert entities == [
        {"type": "pre", "offset": 0, "length": 1, "language": "py"},
        {"type": "code", "offset": 1, "length": 1},
    ]


def test_expandable_blockquote_and_spoiler_entities() -> None:
    _, entities = parse_entities('<blockquote expandable>q</blockquote><span class="tg-spoiler">s</span>')
    assert [e["type"] for e in entities] == ["expandable_blockquote", "spoiler"]


def test_empty_tags_make_no_entity() -> None:
    assert parse_entities("<b></b>x") == ("x", [])


def test_formatted_text_trims_and_cleans_like_telegram() -> None:
    text, entities = formatted_text("\n  <b>Hi</b>\r\n\tthere  \n")
    assert text == "Hi\n there"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_html(html.escape(text, quote=False)) == text
    assert parse_html(html.escape(text, quote=True)) == text


@given(st.text(alphabet=st.sampled_from(list("<>/&;#xab \"'=ispn-") + ["😀", "é"]), max_size=30))
def test_parser_only_ever_raises_telegram_html_error(source: str) -> None:
    try:
        plain = parse_html(source)
    except TelegramHTMLError as error:
        assert error.reason
    else:
        assert len(plain) <= len(source)


def test_the_length_limit_is_telegrams() -> None:
    assert MAX_MESSAGE_LENGTH == MessageLimit.MAX_TEXT_LENGTH
    assert MAX_CAPTION_LENGTH == MessageLimit.CAPTION_LENGTH
