"""Keeping each user's /classify dialog in PTB's user_data, and ending idle dialogs.

The dialog itself lives in the engine; this module only stores its state per
user and chat (user_data is persisted by PicklePersistence, so a dialog
survives a restart) and schedules the inactivity timeout with the JobQueue.
PTB does not persist jobs, so on start-up the timeouts are scheduled again from
the deadlines kept in the stored states.
"""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.dialog import DialogState
from bot.engine import Engine
from bot.telegram import conversations, quizstate
from bot.telegram.context import ENGINE_KEY, App, engine_of

KEY = "dialogs"
_LOG = logging.getLogger(__name__)


def state_of(user_data: dict[str, Any] | None, chat_id: int | None) -> DialogState | None:
    """The user's dialog state in this chat, if a dialog is under way."""
    stored = _dialogs(user_data).get(chat_id) if chat_id is not None else None
    return stored[0] if stored else None


def remember(app: App, user_data: dict[str, Any] | None, user_id: int, chat_id: int,
             state: DialogState | None, message_id: int | None) -> None:
    """Store the dialog's new state and the message it lives in (or forget it), and move its timeout."""
    if user_data is None:
        return
    _cancel_timeout(app, user_id, chat_id)
    if state is None:
        _dialogs(user_data).pop(chat_id, None)
        return
    dialogs = user_data.setdefault(KEY, {})
    previous = dialogs.get(chat_id)
    if message_id is None and previous is not None:
        message_id = previous[1]
    dialogs[chat_id] = (state, message_id)
    _schedule_timeout(app, user_id, chat_id, state)


def forget_idle_user(app: App, user_id: int) -> None:
    """Drop the user's data, in memory and in the state file, unless a dialog is under way,
    the conversation context is fresh or a quiz best is kept (bot/telegram/quizstate.py).

    PTB creates user_data for everyone who sends anything; kept, it would hold
    every user's raw Telegram id for good, though /privacy promises that a user
    is forgotten when their dialog ends, and it would grow without bound.
    """
    user_data, now = app.user_data.get(user_id), time.time()
    minutes = cast(Engine, app.bot_data[ENGINE_KEY]).context_minutes
    if user_data is not None and not user_data.get(KEY) \
            and not conversations.holds_fresh(user_data, now, minutes) \
            and not quizstate.holds_best(user_data, now):
        app.drop_user_data(user_id)


async def forget_idle(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After every update: forget its user and chat unless something of theirs is kept."""
    if isinstance(update, Update) and update.effective_user is not None:
        forget_idle_user(context.application, update.effective_user.id)
    if isinstance(update, Update) and update.effective_chat is not None:
        quizstate.forget_idle_chat(context.application, update.effective_chat.id)


def restore_timeouts(app: App) -> int:
    """Schedule the timeouts of dialogs stored before a restart; how many were found."""
    count = 0
    for user_id, user_data in app.user_data.items():
        for chat_id, (state, _) in list(_dialogs(user_data).items()):
            _schedule_timeout(app, user_id, chat_id, state)
            count += 1
    return count


def _dialogs(user_data: dict[str, Any] | None) -> dict[int, tuple[DialogState, int | None]]:
    return user_data.get(KEY, {}) if user_data else {}


def _job_name(user_id: int, chat_id: int) -> str:
    return f"dialog-timeout:{user_id}:{chat_id}"


def _cancel_timeout(app: App, user_id: int, chat_id: int) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(_job_name(user_id, chat_id)):
        job.schedule_removal()


def _schedule_timeout(app: App, user_id: int, chat_id: int, state: DialogState) -> None:
    if app.job_queue is None:
        return
    delay = max(state.deadline - time.time(), 0.0) + 0.05
    app.job_queue.run_once(_time_out, delay, data=state.nonce, name=_job_name(user_id, chat_id),
                           chat_id=chat_id, user_id=user_id)


async def _time_out(context: ContextTypes.DEFAULT_TYPE) -> None:
    """End a dialog nobody answered in time, and say so in its message."""
    job = context.job
    if job is None or job.chat_id is None or job.user_id is None:
        return
    chat_id, user_id = job.chat_id, job.user_id
    stored = _dialogs(context.user_data).get(chat_id)
    if stored is None or stored[0].nonce != job.data:
        return
    state, message_id = stored
    if not engine_of(context).dialog.expired(state, time.time()):
        _schedule_timeout(context.application, user_id, chat_id, state)
        return
    _dialogs(context.user_data).pop(chat_id, None)
    forget_idle_user(context.application, user_id)
    quizstate.forget_idle_chat(context.application, chat_id)  # PTB gave the job the chat's data
    note = engine_of(context).dialog.timed_out()
    try:
        if message_id is not None:
            await context.bot.edit_message_text(note.text, chat_id=chat_id, message_id=message_id)
        else:
            await context.bot.send_message(chat_id, note.text)
    except (BadRequest, Forbidden) as exc:
        _LOG.info("could not show a dialog timeout in chat %s: %s", chat_id, exc)
