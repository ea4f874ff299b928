"""PTB handlers: each turns an update into an engine call and sends the Reply it gets.

No handler scores or words anything itself; the engine does, so Telegram answers
exactly as `kpo-bot chat` and `kpo-bot ask` do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from typing import Literal

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import CallbackQueryLimit, InlineQueryLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, filters
from telegram.helpers import create_deep_linked_url

from bot.dialog import DialogState
from bot.reply import Reply
from bot.telegram import conversations, dialogs, operator, pictures
from bot.telegram.context import engine_of

_LOG = logging.getLogger(__name__)
IGNORED = "ignored"
"""The outcome logged for an update without what its handler needs (no message, no query)."""
INLINE_CACHE_SECONDS = 300
"""Cards change only with a knowledge-base update, so Telegram may cache answers a while."""


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
         for row in reply.buttons])


async def send(message: Message, reply: Reply) -> Message:
    """Send a reply as an answer to a user's message."""
    return await message.reply_text(reply.text, reply_markup=markup(reply))


async def send_turn(message: Message, update: Update, context: ContextTypes.DEFAULT_TYPE,
                    state: DialogState | None, reply: Reply) -> Message:
    """Send a reply that may move the user's dialog on, and remember the dialog."""
    sent = await pictures.send_picture(message, context, reply) if reply.picture else await send(message, reply)
    _remember(update, context, state, sent if reply.buttons else None)
    return sent


def _remember(update: Update, context: ContextTypes.DEFAULT_TYPE, state: DialogState | None,
              message: Message | None) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    dialogs.remember(context.application, context.user_data, user.id, chat.id, state,
                     message.message_id if message else None)


def _dialog(update: Update, context: ContextTypes.DEFAULT_TYPE) -> DialogState | None:
    chat = update.effective_chat
    return dialogs.state_of(context.user_data, chat.id if chat else None)


class Addressed(filters.MessageFilter):
    """Messages meant for the bot: any in a private chat; in groups, a mention or a reply to it."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == message.chat.PRIVATE:
            return True
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        mentions = message.parse_entities([MessageEntity.MENTION]).values()
        return any(m.lstrip("@").lower() == (bot.username or "").lower() for m in mentions)


def without_mention(text: str, username: str | None) -> str:
    """The question with the bot's @username taken out."""
    if not username:
        return text
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Greet the user, or open the topic a deep link names (/start compare_pay)."""
    message = update.effective_message
    if message is None:
        return IGNORED
    param = context.args[0] if context.args else None
    state, reply = engine_of(context).step_start(param, _dialog(update, context), time.time())
    await send_turn(message, update, context, state, reply)
    return reply.kind


async def compare(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Show the comparison overview with a button per dimension."""
    return await _send_plain(update, _card(update, context, engine_of(context).comparison()))


def _card(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> Reply:
    """A /compare card, remembered in the chat's context so typed "next" or "back" press it."""
    chat = _chat_id(update)
    reply = engine_of(context).with_card(reply, conversations.context_of(context.user_data, chat), time.time())
    if reply.context is not None:
        conversations.remember(context.user_data, chat, reply.context)
    return reply


async def _send_plain(update: Update, reply: Reply) -> str:
    """Send a reply that leaves any dialog as it is."""
    message = update.effective_message
    if message is None:
        return IGNORED
    await send(message, reply)
    return reply.kind


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Offer comparison cards for `@bot <query>` in any chat."""
    query = update.inline_query
    if query is None:
        return IGNORED
    engine = engine_of(context)
    page = engine.inline(query.query, query.offset)
    label = engine.renderer.label
    results = [
        InlineQueryResultArticle(
            id=card.id, title=card.title, description=card.description,
            input_message_content=InputTextMessageContent(card.text, parse_mode=ParseMode.HTML),
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                label("open_in_bot"), url=deep_link(context.bot.username, card.start))]]))
        for card in page.cards[:InlineQueryLimit.RESULTS]]
    # An empty next_offset must be left out: PTB would send "" as "[]", a bogus offset.
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, next_offset=page.next_offset or None,
                       button=InlineQueryResultsButton(label("inline_classify"),
                                                       start_parameter="classify"))
    return "inline"


def deep_link(username: str, param: str) -> str:
    """A t.me link that opens the bot with /start <param>."""
    return create_deep_linked_url(username, param)


async def classify(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Start the /classify dialog."""
    return await _dialog_command(update, context, "classify")


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Cancel the dialog under way, and forget the conversation's context."""
    conversations.remember(context.user_data, _chat_id(update), None)
    return await _dialog_command(update, context, "cancel")


def _chat_id(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat else None


async def _dialog_command(update: Update, context: ContextTypes.DEFAULT_TYPE,
                          command: Literal["classify", "cancel"]) -> str:
    message = update.effective_message
    if message is None:
        return IGNORED
    state, reply = engine_of(context).step_command(command, _dialog(update, context), time.time())
    await send_turn(message, update, context, state, reply)
    return reply.kind


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Explain how to ask questions."""
    return await _send_plain(update, engine_of(context).help())


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """ "I don't know that command", with the commands there are."""
    message = update.effective_message
    if message is None:
        return IGNORED
    reply = engine_of(context).unknown_command(message.text or "")
    await send(message, reply)
    return reply.kind


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Answer a text question."""
    message = update.effective_message
    if message is None:
        return IGNORED
    text = without_mention(message.text or "", context.bot.username)
    # Matching runs the sentence encoder: in a worker thread, so other chats are answered meanwhile.
    state, reply = await asyncio.to_thread(
        engine_of(context).step_text, text, _dialog(update, context), time.time(),
        conversations.context_of(context.user_data, _chat_id(update)))
    conversations.remember(context.user_data, _chat_id(update), reply.context)
    sent = await send_turn(message, update, context, state, reply)
    await operator.log_question(update, context, text, reply, sent)
    return reply.kind


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Politely say that only text is understood (stickers, photos, voice...)."""
    return await _send_plain(update, engine_of(context).non_text())


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Answer a button press; stale or forged data gets a short popup note.

    Every press is answered (answerCallbackQuery), even one whose handling fails,
    so no client is left with a spinning button.
    """
    query = update.callback_query
    if query is None:
        return IGNORED
    press = _Press(query)
    try:
        return await _handle_press(update, context, press)
    except Exception:
        if not press.answered:
            with contextlib.suppress(TelegramError):
                await press.answer(engine_of(context).stale().note)
        raise


class _Press:
    """A callback query and whether it has been answered yet."""

    def __init__(self, query: CallbackQuery) -> None:
        self.query = query
        self.answered = False

    async def answer(self, note: str | None = None) -> None:
        self.answered = True
        limit = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
        await self.query.answer(note if note is None or len(note) <= limit else note[: limit - 1] + "…")

    async def acknowledge(self) -> None:
        """Stop the button's spinner; a press Telegram no longer accepts an answer for still gets its reply.

        Telegram refuses answers to presses older than about 15 seconds ("query is
        too old"), which is every press that queued up while the bot was down; the
        user still wants what the button offers, so that refusal must not cost the reply.
        """
        try:
            await self.answer()
        except BadRequest as exc:
            _LOG.info("press %s could not be acknowledged (%s); replying anyway", self.query.id, exc)


async def _handle_press(update: Update, context: ContextTypes.DEFAULT_TYPE, press: _Press) -> str:
    query, engine = press.query, engine_of(context)
    if not isinstance(query.message, Message):
        await press.answer(engine.stale().note)
        return "stale"
    state, reply = engine.step_press(query.data, _dialog(update, context), time.time())
    reply = _card(update, context, reply)
    note = await operator.record_press(update, context, reply)
    if reply.kind in ("stale", "feedback"):
        await press.answer(note)
        return reply.kind
    if reply.edit:
        sent: Message | None = query.message
        try:
            await query.edit_message_text(reply.text, reply_markup=markup(reply))
        except BadRequest as exc:
            reason = str(exc).lower()
            if "not found" in reason or "can't be edited" in reason:  # the user deleted it
                await press.answer(engine.stale().note)
                return "stale"
            if "not modified" not in reason:  # a double tap asks for the text already shown
                raise
        await press.acknowledge()
    elif reply.picture is not None:
        await press.acknowledge()
        sent = await pictures.send_picture(query.message, context, reply, do_quote=False)
    else:
        await press.acknowledge()
        sent = await query.message.reply_text(reply.text, reply_markup=markup(reply), do_quote=False)
    _remember(update, context, state, sent if reply.buttons else None)
    return reply.kind


SEEN_KEY = "seen_updates"
"""bot_data key of the latest update ids handled (bot_data is not persisted)."""
SEEN_LIMIT = 10_000


async def drop_repeats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop an update whose update_id was handled already (a redelivery) from reaching a handler."""
    seen: OrderedDict[int, None] = context.bot_data.setdefault(SEEN_KEY, OrderedDict())
    if update.update_id in seen:
        _LOG.info("update %s delivered again; dropped", update.update_id)
        raise ApplicationHandlerStop
    seen[update.update_id] = None
    if len(seen) > SEEN_LIMIT:
        seen.popitem(last=False)


BLOCKED_KEY = "blocked_chats"
"""bot_data key of the chats already logged as having blocked the bot (bot_data is not persisted)."""


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log errors and keep serving.

    A chat that blocked the bot (403) is logged once, at INFO: it is the user's
    choice, not a fault. A transient failure to fetch updates is a warning: PTB's
    polling loop retries it with backoff, and nothing was lost.
    """
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat:
        chat_id = update.effective_chat.id
        blocked: set[int] = context.bot_data.setdefault(BLOCKED_KEY, set())
        if chat_id not in blocked:
            blocked.add(chat_id)
            _LOG.info("chat %s blocked the bot or left; skipping it", chat_id)
        return
    if update is None and isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        _LOG.warning("fetching updates failed (%s: %s); polling again shortly",
                     type(error).__name__, error)
        return
    _LOG.error("error while handling an update", exc_info=error)
