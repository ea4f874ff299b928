"""PTB handlers: each turns an update into an engine call and sends the Reply it gets.

No handler scores or words anything itself; the engine does, so Telegram answers
exactly as `kpo-bot chat` and `kpo-bot ask` do.
"""

from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import Forbidden
from telegram.ext import ContextTypes, filters

from bot.engine import Engine, Reply

_LOG = logging.getLogger(__name__)
ENGINE_KEY = "engine"


def engine_of(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    """The engine the application serves (kept in bot_data, which is not persisted)."""
    return context.bot_data[ENGINE_KEY]


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
         for row in reply.buttons])


async def send(message: Message, reply: Reply) -> None:
    """Send a reply as an answer to a user's message."""
    await message.reply_text(reply.text, reply_markup=markup(reply))


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


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user and show what the bot can do."""
    await send(update.effective_message, engine_of(context).start())


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask questions."""
    await send(update.effective_message, engine_of(context).help())


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text question."""
    message = update.effective_message
    text = without_mention(message.text or "", context.bot.username)
    await send(message, engine_of(context).reply(text))


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Politely say that only text is understood (stickers, photos, voice...)."""
    await send(update.effective_message, engine_of(context).non_text())


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button press; stale or forged data gets a short popup note."""
    query = update.callback_query
    reply = engine_of(context).press(query.data)
    if reply.kind == "stale" or not isinstance(query.message, Message):
        await query.answer(reply.note or engine_of(context).stale().note)
        return
    await query.answer()
    await query.message.reply_text(reply.text, reply_markup=markup(reply), do_quote=False)


_blocked: set[int] = set()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log errors and keep serving; a user who blocked the bot is logged once."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat:
        chat_id = update.effective_chat.id
        if chat_id not in _blocked:
            _blocked.add(chat_id)
            _LOG.info("chat %s blocked the bot or left; skipping it", chat_id)
        return
    _LOG.error("error while handling an update", exc_info=error)
