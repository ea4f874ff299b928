"""A local stand-in for Telegram's Bot API server, for tests.

Why: the bot must be tested against Telegram's real rules (limits, HTML
parsing, error answers, long polling, webhooks, flood control) without
Telegram.  ``BotAPIEmulator`` serves the Bot API over HTTP on 127.0.0.1, so
python-telegram-bot runs unchanged with ``base_url=emu.base_url``.

    async with BotAPIEmulator() as emu:
        emu.user_message(42, "/start")
        ...  # run the bot against emu.base_url
        [reply] = await emu.wait_for_messages(42, 1)
"""

from .errors import ApiError
from .server import BotAPIEmulator, WebhookDelivery
from .state import CallRecord, Chat, SentMessage

__all__ = ["ApiError", "BotAPIEmulator", "CallRecord", "Chat", "SentMessage", "WebhookDelivery"]
