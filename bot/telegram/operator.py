"""What the operator gets on Telegram: the question log, feedback, /privacy, /stats and /reload.

Admin commands answer only user ids in KPO_BOT_ADMIN_IDS; for anyone else they
are answered like any unknown command and reveal nothing. /reload builds a
new engine off the event loop and swaps it in only when the knowledge base and
templates validate; otherwise the running engine stays and the errors are shown.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.engine import Engine, build_engine
from bot.knowledge import KnowledgeError
from bot.normalize import plain_words
from bot.questionlog import QuestionLog
from bot.render import Renderer, TemplateProblem
from bot.reply import Reply
from bot.telegram.context import ENGINE_KEY, App, engine_of

LOG_KEY = "question_log"
IGNORED = "ignored"
_LOG = logging.getLogger("bot.updates")
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, Any]]


def question_log(context: ContextTypes.DEFAULT_TYPE) -> QuestionLog | None:
    """The application's question log, if one is configured."""
    return context.bot_data.get(LOG_KEY)


async def log_question(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                       reply: Reply, sent: Message) -> None:
    """Log a question once its reply is sent; the write runs on the log's worker thread."""
    qlog = question_log(context)
    user, chat = update.effective_user, update.effective_chat
    if qlog is None or user is None or chat is None or reply.kind not in LOGGED_KINDS:
        return
    await qlog.question(user.id, chat.type, display_text(text), reply.kind, reply.entry, reply.score,
                        message=(sent.chat_id, sent.message_id))


LOGGED_KINDS = frozenset({"answer", "classification", "suggestions", "fallback", "smalltalk"})


def display_text(text: str, limit: int = 300) -> str:
    """The question as the log keeps it: lower case, no tags or punctuation, bounded."""
    return " ".join(plain_words(text[:2000]))[:limit]


async def record_press(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> str | None:
    """Record a 👍/👎 or a picked suggestion; the popup note for a vote."""
    qlog, user, query = question_log(context), update.effective_user, update.callback_query
    data = query.data if query else ""
    if user is None or reply.entry is None or reply.kind not in ("feedback", "answer"):
        return reply.note
    if reply.kind == "feedback" and reply.vote is not None:
        stored = await qlog.vote(user.id, reply.entry, up=reply.vote == "up") if qlog else None
        # Only a vote the log holds already is "already rated"; one it could not store is thanked.
        return engine_of(context).feedback_note(stored is not False)
    if qlog is not None and query is not None and data and data.startswith("s:"):
        pressed = query.message  # the suggestions message: its row in the log gets the pick
        await qlog.picked(user.id, reply.entry,
                          message=(pressed.chat.id, pressed.message_id) if pressed else None)
    return reply.note


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Say what the bot stores about users and for how long."""
    message = update.effective_message
    if message is None:
        return IGNORED
    qlog = question_log(context)
    reply = engine_of(context).privacy(bool(qlog and qlog.enabled), qlog.retention_days if qlog else 0)
    await message.reply_text(reply.text)
    return "privacy"


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Admins: questions in the last day and week, answer rate, top unanswered."""
    message = update.effective_message
    if message is None:
        return IGNORED
    qlog = question_log(context)
    figures = await qlog.stats() if qlog else None
    text = engine_of(context).renderer.render("stats", stats=figures)
    await message.reply_text(text)
    return "stats"


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Admins: re-read knowledge/ and templates/; swap them in only if they are valid."""
    message = update.effective_message
    if message is None:
        return IGNORED
    current = engine_of(context)
    try:
        engine = await asyncio.to_thread(_build_like, current)
    except (KnowledgeError, TemplateProblem) as exc:
        problems = [str(p) for p in getattr(exc, "problems", [exc])]
        text = current.renderer.render("reload_failed", problems=problems[:30], more=len(problems) - 30)
        await message.reply_text(text)
        return "reload-failed"
    context.bot_data[ENGINE_KEY] = engine
    del current
    await asyncio.to_thread(release_replaced)
    text = engine.renderer.render("reload_done", counts=engine.kb.counts())
    await message.reply_text(text)
    return "reloaded"


def release_replaced() -> None:
    """Free the engine /reload replaced, and freeze the new one out of GC passes again.

    `kpo-bot run` calls gc.freeze() once the first engine is built, so its many
    objects are never scanned again. Frozen objects are never collected either,
    and the engine holds reference cycles (its caches), so without this each
    /reload would keep the previous engine in memory for good.
    """
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
        gc.freeze()


def _build_like(current: Engine) -> Engine:
    """A new engine over the same knowledge folder, with fresh templates, validated."""
    renderer = Renderer()
    problems = renderer.check()
    if problems:
        raise TemplateProblem("; ".join(problems))
    return build_engine(current.kb.folder, renderer, dialog_timeout=current.dialog.timeout,
                        context_minutes=current.context_minutes)


def logged(kind: str, handler: Handler) -> Handler:
    """One INFO line per update: its kind, the outcome the handler returns, and the latency.

    Never the message text or the token: only what an operator needs to see traffic.
    """

    @wraps(handler)
    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.perf_counter()
        outcome = "error"
        try:
            outcome = str(await handler(update, context) or "done")
        finally:
            _LOG.info("update %s kind=%s outcome=%s latency_ms=%.1f",
                      getattr(update, "update_id", "-"), kind, outcome,
                      1000 * (time.perf_counter() - started))

    return run


def schedule_pruning(app: App) -> None:
    """Prune old question-log rows now and once a day."""
    qlog = app.bot_data.get(LOG_KEY)
    if qlog is not None and qlog.enabled and app.job_queue is not None:
        app.job_queue.run_repeating(_prune, interval=86400, first=1, name="prune-question-log",
                                    data=qlog)


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete question-log rows older than the retention period."""
    qlog = context.job.data if context.job is not None else None
    if isinstance(qlog, QuestionLog):
        await qlog.prune()
