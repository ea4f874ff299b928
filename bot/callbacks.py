"""Callback data: a short, strictly parsed scheme for inline-button payloads.

Telegram carries at most 64 bytes per button and hands back whatever a client
sends, so a payload is never trusted: it must match the scheme exactly and name
something that exists, or the press is treated as stale or forged.

Scheme: `<kind>:<id>[:<arg>]`, with kind one letter and ids as in the knowledge
base ([a-z0-9_]{1,32}); for example `a:what_is_kpo` (show an answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

MAX_BYTES = 64
"""Telegram's limit on callback_data (InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)."""
Kind = Literal["a", "s", "t", "c", "m", "d", "o", "f", "p", "q"]
KINDS: dict[Kind, str] = {
    "a": "answer",       # a:<faq id>: show an answer (follow-up or example button)
    "s": "suggestion",   # s:<faq id>: the user picked a "did you mean" suggestion
    "t": "task",         # t:<task id>: show an example task's verdict
    "c": "dialog",       # c:<dialog nonce>:<action>: a /classify dialog button
    "m": "menu",         # m:<item>: classify (start the dialog), compare, ask, quiz (a new round)
    "d": "dimension",    # d:<dimension id>: a /compare dimension card (edits the message)
    "o": "overview",     # o:compare: back to the /compare overview (edits the message)
    "f": "feedback",     # f:<faq id>:up|down: 👍 or 👎 on an answer
    "p": "picture",      # p:compare: the whole comparison as one picture (a new message)
    "q": "quiz",         # q:<round nonce>:<option>: an answer typed as a number in `kpo-bot chat`
}
_PATTERN = re.compile(r"([a-z]):([a-z0-9_]{1,32})(?::([a-z0-9_+-]{1,16}))?")


@dataclass(frozen=True)
class Callback:
    """A parsed button payload."""

    kind: Kind
    target: str
    arg: str | None = None


def encode(kind: str, target: str, arg: str | None = None) -> str:
    """The payload for a button; raises ValueError if it would not parse back."""
    data = f"{kind}:{target}" if arg is None else f"{kind}:{target}:{arg}"
    parsed = decode(data)
    if parsed is None or (parsed.kind, parsed.target, parsed.arg) != (kind, target, arg):
        raise ValueError(f"invalid callback data {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The parsed payload, or None for anything outside the scheme."""
    if not data or not data.isascii() or len(data) > MAX_BYTES:  # the scheme is ASCII only
        return None
    found = _PATTERN.fullmatch(data)
    kind = found.group(1) if found else None
    if found is None or kind not in KINDS:
        return None
    return Callback(cast(Kind, kind), found.group(2), found.group(3))
