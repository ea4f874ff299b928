"""Keeping each user's conversation context per chat in PTB's user_data, only while it is fresh.

The context (what the last exchange was about, the user's last few messages)
lives in the engine's `Context`; this module stores it next to the /classify
dialog in user_data, which the state file persists, so a follow-up still reads
right after a restart. A context is dropped when it expires, on /cancel, and by
a job that sweeps expired ones every minute; a user with neither a dialog nor
a fresh context is forgotten (see `dialogs.forget_idle_user`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, fields
from typing import Any, cast

from telegram.ext import ContextTypes

from bot.conversation import Context
from bot.engine import Engine
from bot.telegram.context import ENGINE_KEY, App

KEY = "contexts"
SWEEP_SECONDS = 60.0
"""How often expired contexts are looked for and deleted."""


def context_of(user_data: dict[str, Any] | None, chat_id: int | None) -> Context | None:
    """The user's context in this chat, if one is stored (and still readable)."""
    stored = _contexts(user_data).get(chat_id) if chat_id is not None else None
    return _revived(stored)


def remember(user_data: dict[str, Any] | None, chat_id: int | None, context: Context | None) -> None:
    """Store the context a reply carries (or forget the chat's, for None)."""
    if user_data is None or chat_id is None:
        return
    if context is None:
        _contexts(user_data).pop(chat_id, None)
        if not _contexts(user_data):
            user_data.pop(KEY, None)
        return
    user_data.setdefault(KEY, {})[chat_id] = asdict(context)


def holds_fresh(user_data: dict[str, Any] | None, now: float, minutes: float) -> bool:
    """Whether any of the user's contexts is still fresh."""
    return any(c is not None and not c.expired(now, minutes)
               for c in map(_revived, _contexts(user_data).values()))


def sweep(app: App, now: float | None = None) -> int:
    """Delete expired contexts, and users left with nothing to keep; how many contexts went."""
    from bot.telegram import dialogs  # imported here: dialogs imports this module

    now = time.time() if now is None else now
    minutes = cast(Engine, app.bot_data[ENGINE_KEY]).context_minutes
    removed = 0
    for user_id, user_data in list(app.user_data.items()):
        contexts = _contexts(user_data)
        for chat_id in [c for c, ctx in contexts.items()
                        if (live := _revived(ctx)) is None or live.expired(now, minutes)]:
            remember(user_data, chat_id, None)
            removed += 1
        dialogs.forget_idle_user(app, user_id)
    return removed


async def sweep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback of `sweep`."""
    sweep(context.application)


def _revived(stored: object) -> Context | None:
    """A stored context as a Context. It is stored as a plain mapping, so a state file written
    by another version still loads: fields it lacks take their defaults, unknown ones are
    dropped, and one that cannot be read is treated as no context."""
    if not isinstance(stored, dict):
        return None
    known = {f.name for f in fields(Context)}
    try:
        return Context(**{k: v for k, v in stored.items() if k in known})
    except TypeError:
        return None


def _contexts(user_data: dict[str, Any] | None) -> dict[int, Any]:
    stored = user_data.get(KEY, {}) if user_data else {}
    return stored if isinstance(stored, dict) else {}
