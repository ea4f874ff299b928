"""What Telegram stores and answers for a message text: clean-up, UTF-16 offsets, errors.

The emulator's half of Telegram's HTML handling. bot/tghtml.py parses HTML as
Telegram's server does (the renderer needs that to fit a message into 4096
characters); this adds what only the emulator needs: Telegram's clean-up and
trimming after parsing (``fix_formatted_text`` in tdlib), entity offsets in
UTF-16 units, and the exact Bot API description for a text Telegram refuses.
"""

from __future__ import annotations

from bot.tghtml import (
    MAX_CAPTION_LENGTH,
    MAX_MESSAGE_LENGTH,
    UTF8_ERROR,
    Entity,
    TelegramHTMLError,
    encode_utf8,
    parse_entities,
    parse_html,
)

# Characters td's strip_empty_characters treats as blank, so a text made of
# them alone is "empty" to Telegram.
_EMPTY_CHARS = frozenset(
    " \n\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u202e\u202f\u205f\u2800\u3000\ufffc"
)

def visible_length(text: str) -> int:
    """Length of the parsed HTML text in Unicode code points (untrimmed).

    This is what Telegram's 4096 limit counts, except that Telegram first
    trims leading and trailing spaces and newlines; untrimmed is the safe side.
    """
    return len(parse_html(text))


def _clean(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram's clean-up after parsing: control characters become spaces, ``\\r``
    and U+2028..U+202E vanish, leading/trailing spaces and newlines are trimmed."""
    kept: list[str] = []
    new_index = [0] * (len(text) + 1)
    for index, char in enumerate(text):
        new_index[index] = len(kept)
        if char == "\r" or "\u2028" <= char <= "\u202e":
            continue
        kept.append(" " if ord(char) < 32 and char != "\n" else char)
    new_index[len(text)] = len(kept)
    cleaned = "".join(kept)
    stripped = cleaned.strip(" \n")
    lead = len(cleaned) - len(cleaned.lstrip(" \n"))
    result = []
    for entity in entities:
        start = max(new_index[entity["offset"]] - lead, 0)
        end = min(new_index[entity["offset"] + entity["length"]] - lead, len(stripped))
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def _to_utf16(text: str, entities: list[Entity]) -> list[Entity]:
    """Convert code-point offsets to the UTF-16 offsets the Bot API uses."""
    units = [0]
    for char in text:
        units.append(units[-1] + (2 if ord(char) > 0xFFFF else 1))
    converted = []
    for entity in entities:
        start, length = entity["offset"], entity["length"]
        converted.append({**entity, "offset": units[start], "length": units[start + length] - units[start]})
    return converted


def formatted_text(text: str, *, html: bool = True) -> tuple[str, list[Entity]]:
    """What Telegram stores for this message text: (text, entities with UTF-16 offsets).

    Parses HTML when ``html`` (raising :class:`TelegramHTMLError`), then cleans
    and trims like Telegram, so an emulator can answer the Message Telegram would.
    """
    plain, entities = parse_entities(text) if html else (text, [])
    if not html:
        encode_utf8(text)
    cleaned, entities = _clean(plain, entities)
    return cleaned, _to_utf16(cleaned, entities)


def _is_empty(text: str) -> bool:
    return all(c in _EMPTY_CHARS or 0xE0000 <= ord(c) <= 0xE007F for c in text)


def message_text_error(text: str, *, html: bool = True) -> str | None:
    """The exact Bot API description Telegram would answer for this
    sendMessage/editMessageText text, or None when Telegram accepts it.

    One of "Bad Request: message text is empty", "Bad Request: message is too
    long", "Bad Request: can't parse entities: <reason>" (and, for text that
    is not valid Unicode, "Bad Request: strings must be encoded in UTF-8").
    """
    if not text:
        return "Bad Request: message text is empty"
    cleaned, error = _parsed(text, html)
    if error is not None:
        return error
    if _is_empty(cleaned):
        return "Bad Request: message text is empty"
    if len(cleaned) > MAX_MESSAGE_LENGTH:
        return "Bad Request: message is too long"
    return None


def caption_error(text: str, *, html: bool = True) -> str | None:
    """The Bot API description Telegram would answer for a media caption, or None.

    A caption may be empty; after parsing it may hold at most 1024 characters
    ("Bad Request: message caption is too long").
    """
    if not text:
        return None
    cleaned, error = _parsed(text, html)
    if error is not None:
        return error
    if len(cleaned) > MAX_CAPTION_LENGTH:
        return "Bad Request: message caption is too long"
    return None


def _parsed(text: str, html: bool) -> tuple[str, str | None]:
    """The text as Telegram shows it, or Telegram's description of why it cannot be parsed."""
    try:
        cleaned, _ = formatted_text(text, html=html)
    except TelegramHTMLError as exc:
        if exc.reason == UTF8_ERROR:
            return "", "Bad Request: strings must be encoded in UTF-8"
        return "", f"Bad Request: can't parse entities: {exc.reason}"
    return cleaned, None
