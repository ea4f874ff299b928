"""Telegram's HTML parse mode, checked the way Telegram's server checks it.

Why this exists: a message Telegram refuses is a message the user never sees,
and Telegram refuses a whole message for one stray ``<``.  The renderer asks
this module whether a text parses and how long it is once parsed (to fit 4096
characters); the Bot API emulator builds on it (tests/emulator/telegram_text.py
adds Telegram's clean-up, UTF-16 offsets and error descriptions), so the two
cannot disagree about what Telegram accepts.

The parser is a byte-for-byte port of ``parse_html`` in tdlib
(td/telegram/MessageEntity.cpp), the code Telegram's Bot API server runs: it
walks the UTF-8 bytes, so the byte offsets in its error reasons are the ones
Telegram reports, and its reasons are worded exactly as Telegram words them.
Pure standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_CAPTION_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "UTF8_ERROR",
    "Entity",
    "TelegramHTMLError",
    "encode_utf8",
    "parse_entities",
    "parse_html",
]

MAX_MESSAGE_LENGTH = 4096
"""Most characters (Unicode code points, after parsing) in one message text: Telegram's
MessageLimit.MAX_TEXT_LENGTH, kept here so that rendering never imports telegram
(tests/test_tghtml.py checks the two agree)."""
MAX_CAPTION_LENGTH = 1024
"""Most characters in a photo's caption, counted the same way (MessageLimit.CAPTION_LENGTH)."""

_SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough",
    "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# td's is_space: note that NUL counts, which is how tdlib notices the end of
# the C string; b"\x0c" (form feed) does not.
_SPACES = frozenset(b" \t\r\n\x00\x0b")
_LT, _GT, _AMP, _SLASH, _EQ = 0x3C, 0x3E, 0x26, 0x2F, 0x3D
_QUOTES = frozenset(b"\"'")
_NAME_STOP = frozenset(b"=>/\"'")
_NAMED_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_SURROGATE_ERROR = (
    "Text contains invalid Unicode characters after decoding HTML entities, "
    "check for unmatched surrogate code units"
)
UTF8_ERROR = "Strings must be encoded in UTF-8"
_URL_WITH_SCHEME = re.compile(r"^(https?|tg|ton)://\S+$", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^[^\s/:@]+\.[a-z]{2,}(?:[/?#]\S*)?$", re.IGNORECASE)
_INT64 = re.compile(r"^-?(0|[1-9][0-9]*)$")
_ASCII_LOWER = {c: c + 32 for c in range(0x41, 0x5B)}

Entity = dict[str, Any]
"""A Bot API MessageEntity as a dict: type, offset, length (+ url, language, custom_emoji_id)."""


class TelegramHTMLError(ValueError):
    """Text Telegram would refuse to parse as HTML.

    ``reason`` is Telegram's own wording, e.g.
    ``Unsupported start tag "p" at byte offset 281``; the Bot API answers it
    as ``Bad Request: can't parse entities: <reason>``.
    """

    reason: str

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag (tdlib's EntityInfo)."""

    name: str
    argument: str
    offset: int  # in code points of the parsed text
    out_begin: int  # byte position in the output, for <a> without href


def _is_alpha(c: int) -> bool:
    return 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _is_digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


def _is_hex_digit(c: int) -> bool:
    return _is_digit(c) or 0x41 <= c <= 0x46 or 0x61 <= c <= 0x66


def _lower(raw: bytes) -> str:
    """ASCII-only lowercase, like td::to_lower (non-ASCII stays as is)."""
    return raw.decode("utf-8", "replace").translate(_ASCII_LOWER)


class _Parser:
    """One run of tdlib's parse_html over UTF-8 bytes.

    Reading past the end yields 0, as the C string's terminator does in
    tdlib, so every edge case at the end of the text behaves the same.
    """

    def __init__(self, text: bytes) -> None:
        self.src = text
        self.out = bytearray()
        self.length = 0  # code points written to out
        self.stack: list[_OpenTag] = []
        self.entities: list[Entity] = []
        self.saw_surrogate = False

    def at(self, i: int) -> int:
        return self.src[i] if i < len(self.src) else 0

    def is_space(self, i: int) -> bool:
        return self.at(i) in _SPACES

    def skip_spaces(self, i: int) -> int:
        while self.at(i) != 0 and self.is_space(i):
            i += 1
        return i

    def run(self) -> tuple[str, list[Entity]]:
        i = 0
        while i < len(self.src):
            c = self.src[i]
            if c == _AMP:
                code, end = self.decode_entity(i)
                if code:
                    self.append_code(code)
                    i = end
                    continue
            if c != _LT:
                if c & 0xC0 != 0x80:
                    self.length += 1
                self.out.append(c)
                i += 1
            elif self.at(i + 1) == _SLASH:
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise TelegramHTMLError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        if self.saw_surrogate:
            raise TelegramHTMLError(_SURROGATE_ERROR)
        return self.out.decode("utf-8"), _sorted_entities(self.entities)

    def decode_entity(self, pos: int) -> tuple[int, int]:
        """Return (code point, position after it), or (0, pos) when ``&`` is literal.

        Only lt, gt, amp and quot are named entities; the ``;`` is optional;
        numeric references are accepted below U+10FFFF and up to 9 bytes long.
        """
        end = pos + 1
        res = 0
        if self.at(pos + 1) == ord("#"):
            end += 1
            if self.at(pos + 2) == ord("x"):
                end += 1
                while _is_hex_digit(self.at(end)):
                    res = res * 16 + int(chr(self.at(end)), 16)
                    end += 1
            else:
                while _is_digit(self.at(end)):
                    res = res * 10 + self.at(end) - 0x30
                    end += 1
            if res == 0 or res >= 0x10FFFF or end - pos >= 10:
                return 0, pos
        else:
            while _is_alpha(self.at(end)):
                end += 1
            res = _NAMED_ENTITIES.get(self.src[pos + 1 : end], 0)
            if res == 0:
                return 0, pos
        if self.at(end) == ord(";"):
            end += 1
        return res, end

    def append_code(self, code: int) -> None:
        if 0xD800 <= code <= 0xDFFF:
            self.saw_surrogate = True  # tdlib fails on it after parsing
        self.out += chr(code).encode("utf-8", "surrogatepass")
        self.length += 1

    def start_tag(self, begin: int) -> int:
        """Parse ``<name attr=value ...>`` at ``begin``; return the index after ``>``."""
        i = begin + 1
        while not self.is_space(i) and self.at(i) != _GT:
            i += 1
        if self.at(i) == 0:
            raise TelegramHTMLError(f"Unclosed start tag at byte offset {begin}")
        name = _lower(self.src[begin + 1 : i])
        if name not in _SUPPORTED_TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{name}" at byte offset {begin}')
        argument = ""
        while self.at(i) != _GT:
            i, argument = self.attribute(i, name, begin, argument)
        if name == "span" and argument != "spoiler":
            raise TelegramHTMLError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        self.stack.append(_OpenTag(name, argument, self.length, len(self.out)))
        return i + 1

    def attribute(self, i: int, tag: str, begin: int, argument: str) -> tuple[int, str]:
        """Parse one attribute (or the spaces before ``>``); return (index, argument)."""
        i = self.skip_spaces(i)
        if self.at(i) == _GT:
            return i, argument
        name_begin = i
        while not self.is_space(i) and self.at(i) not in _NAME_STOP:
            i += 1
        attr = self.src[name_begin:i]
        if not attr:
            raise TelegramHTMLError(
                f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
            )
        i = self.skip_spaces(i)
        if self.at(i) != _EQ:
            if self.at(i) == 0:
                raise TelegramHTMLError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if tag == "blockquote" and attr == b"expandable":
                argument = "1"
            return i, argument
        i = self.skip_spaces(i + 1)
        if self.at(i) == 0:
            raise TelegramHTMLError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        i, value = self.attribute_value(i)
        if self.at(i) == 0:
            raise TelegramHTMLError(f"Unclosed start tag at byte offset {begin}")
        return i, _tag_argument(tag, attr, value, argument)

    def attribute_value(self, i: int) -> tuple[int, str]:
        """A lowercased name token, or a quoted string with its entities decoded."""
        if self.at(i) not in _QUOTES:
            token_begin = i
            while _is_alpha(self.at(i)) or _is_digit(self.at(i)) or self.at(i) in b".-":
                i += 1
            if not self.is_space(i) and self.at(i) != _GT:
                raise TelegramHTMLError(
                    f"Unexpected end of name token at byte offset {token_begin}"
                )
            return i, _lower(self.src[token_begin:i])
        quote = self.at(i)
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == _AMP:
                code, end = self.decode_entity(i)
                if code:
                    value += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return i, value.decode("utf-8", "replace")

    def end_tag(self, begin: int) -> int:
        """Parse ``</name>`` at ``begin``, close the innermost tag; return the index after ``>``."""
        if not self.stack:
            raise TelegramHTMLError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 1
        while not self.is_space(i) and self.at(i) != _GT:
            i += 1
        end_name = _lower(self.src[begin + 2 : i])
        while self.is_space(i) and self.at(i) != 0:
            i += 1
        if self.at(i) != _GT:
            raise TelegramHTMLError(f"Unclosed end tag at byte offset {begin}")
        open_tag = self.stack[-1]
        if end_name and end_name != open_tag.name:
            raise TelegramHTMLError(
                f"Unmatched end tag at byte offset {begin}, "
                f'expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        if self.length > open_tag.offset:
            self.add_entity(open_tag)
        self.stack.pop()
        return i + 1

    def add_entity(self, tag: _OpenTag) -> None:
        """Record the entity a closed, non-empty tag makes (as tdlib does)."""
        span = {"offset": tag.offset, "length": self.length - tag.offset}
        if tag.name in _SIMPLE_TYPES:
            self.entities.append({"type": _SIMPLE_TYPES[tag.name], **span})
        elif tag.name == "tg-emoji":
            if not _is_custom_emoji_id(tag.argument):
                raise TelegramHTMLError("Invalid custom emoji identifier specified")
            self.entities.append({"type": "custom_emoji", **span, "custom_emoji_id": tag.argument})
        elif tag.name == "a":
            url = tag.argument or self.out[tag.out_begin :].decode("utf-8", "replace")
            checked = _checked_link(url)
            if checked:
                self.entities.append({"type": "text_link", **span, "url": checked})
        elif tag.name in ("pre", "code"):
            self.add_code_entity(tag, span)
        else:  # blockquote
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            self.entities.append({"type": kind, **span})

    def add_code_entity(self, tag: _OpenTag, span: dict[str, int]) -> None:
        """``<pre><code class="language-x">`` makes one pre entity with a language."""
        last: Entity = self.entities[-1] if self.entities else {}
        same_span = last.get("offset") == span["offset"] and last.get("length") == span["length"]
        if tag.name == "pre":
            if same_span and last["type"] == "code" and last.get("_language"):
                last["type"] = "pre"
                last["language"] = last.pop("_language")
            else:
                self.entities.append({"type": "pre", **span})
        elif same_span and last["type"] == "pre" and tag.argument:
            last["language"] = tag.argument
        else:
            self.entities.append({"type": "code", **span, "_language": tag.argument})


def _tag_argument(tag: str, attr: bytes, value: str, argument: str) -> str:
    """The one attribute each tag cares about; every other attribute is ignored."""
    if tag == "a" and attr == b"href":
        return value
    if tag == "code" and attr == b"class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attr == b"class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attr == b"emoji-id":
        return value
    if tag == "blockquote" and attr == b"expandable":
        return "1"
    return argument


def _is_custom_emoji_id(value: str) -> bool:
    """tdlib's to_integer_safe<int64>: a canonical non-zero 64-bit integer."""
    return bool(_INT64.match(value)) and -(2**63) <= int(value) < 2**63 and int(value) != 0


def _checked_link(url: str) -> str:
    """A rough LinkManager::get_checked_link: a bad URL drops the link, it is no error."""
    url = url.strip()
    if _URL_WITH_SCHEME.match(url):
        return url
    if _BARE_DOMAIN.match(url):
        return "http://" + url
    return ""


def _sorted_entities(entities: list[Entity]) -> list[Entity]:
    for entity in entities:
        entity.pop("_language", None)
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def encode_utf8(text: str) -> bytes:
    """The text as UTF-8, or TelegramHTMLError as Telegram words it (lone surrogates)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise TelegramHTMLError(UTF8_ERROR) from None


def parse_entities(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML; return the plain text and its entities.

    Entity offsets and lengths are in code points of the returned text (not
    Telegram's UTF-16 units: the emulator's formatted_text converts).  Raises
    :class:`TelegramHTMLError` on what Telegram rejects.
    """
    return _Parser(encode_utf8(text)).run()


def parse_html(text: str) -> str:
    """Parse Telegram HTML like Telegram's server; return the visible plain text.

    Tags are removed and entities decoded; nothing is trimmed.  Raises
    :class:`TelegramHTMLError` with Telegram's reason on what Telegram rejects.
    """
    return parse_entities(text)[0]
