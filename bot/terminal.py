"""Showing Telegram-HTML replies in a terminal: bold and italics as ANSI styles, buttons numbered."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from bot.reply import Button, Reply

_STYLES = {"b": "1", "strong": "1", "i": "3", "em": "3", "u": "4", "ins": "4", "code": "2", "pre": "2"}
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def to_terminal(text: str, *, color: bool) -> str:
    """Telegram HTML as readable terminal text, styled when the terminal supports it."""

    def swap(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2).lower()
        if not color or name not in _STYLES:
            return ""
        return "\x1b[0m" if closing else f"\x1b[{_STYLES[name]}m"

    return html.unescape(_TAG.sub(swap, text))


def buttons_of(reply: Reply) -> list[Button]:
    """The reply's buttons in reading order, as the numbered choices shown to the user."""
    return [button for row in reply.buttons for button in row]


def show(reply: Reply, *, color: bool) -> tuple[str, list[Button]]:
    """The text to print for a reply, and the choices its numbers stand for."""
    choices = buttons_of(reply)
    parts = [to_terminal(reply.text, color=color)] if reply.text else []
    if reply.note:
        parts.append(f"({reply.note})")
    parts.extend(_choice_lines(choices))
    return "\n".join(parts), choices


def _choice_lines(choices: Sequence[Button]) -> list[str]:
    return [f"  [{n}] {b.text}" for n, b in enumerate(choices, start=1)]
