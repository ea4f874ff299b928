"""Running the real bot against the Bot API emulator, inside a test or a benchmark.

Why a harness: the end-to-end tests must drive the very Application that
`kpo-bot run` starts (bot.telegram.app.build_application over settings read the
way bot.settings reads them), polling over HTTP as in production, and stop it
the way `Application.run_polling` does, so a bug in start-up, polling, handler
order or shutdown shows here. Only the event loop is the test's own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from telegram.error import TelegramError
from telegram.ext import Application

from bot.engine import Engine
from bot.settings import Settings, load_settings
from bot.telegram.app import ALLOWED_UPDATES, build_application
from tests.emulator import BotAPIEmulator, SentMessage

TOKEN = "123456789:AAHfKq3ZtVxLmPwYbNcRjUeGhSdTaQyXoIzB"
"""Shaped like a BotFather token: digits, a colon, then 36 letters and digits starting "AA"."""
SECRET = TOKEN.split(":", 1)[1]
BOT_USERNAME = "kpo_test_bot"
BOT_ID = 123456789

FAST_ENV: dict[str, str] = {
    "KPO_BOT_RATE_LIMIT": "0",
    "KPO_BOT_TIMEOUT": "5",
    "KPO_BOT_POLL_TIMEOUT": "10",
    "KPO_BOT_MAX_RETRIES": "5",
    "KPO_BOT_RETRY_DELAY": "0.01",
}
"""Test settings: PTB's rate limiter off, short backoff; everything else as shipped."""


def emulator() -> BotAPIEmulator:
    """An emulator that knows the test token and the bot's @username."""
    return BotAPIEmulator(TOKEN, bot_username=BOT_USERNAME, bot_id=BOT_ID)


def environment(emu: BotAPIEmulator, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment `kpo-bot run` would get to talk to the emulator."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": emu.base_url,
        "KPO_BOT_DATA_DIR": str(data_dir),
        **FAST_ENV,
        **overrides,
    }


def bot_settings(emu: BotAPIEmulator, data_dir: Path, **overrides: str) -> Settings:
    """Settings read by bot.settings.load_settings from that environment (no .env)."""
    return load_settings(environment(emu, data_dir, **overrides), dotenv=None)


class RunningBot:
    """The Application of `kpo-bot run`, started and stopped as run_polling does."""

    def __init__(self, app: Application, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.stopped = False

    @classmethod
    async def start(cls, settings: Settings, engine: Engine) -> RunningBot:
        """initialize, post_init, start_polling (errors to the error handler), start."""
        app = build_application(settings, engine)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)

        def polling_error(exc: TelegramError) -> None:  # what run_polling installs
            app.create_task(app.process_error(error=exc, update=None))

        assert app.updater is not None
        await app.updater.start_polling(
            allowed_updates=ALLOWED_UPDATES, timeout=settings.poll_timeout, error_callback=polling_error)
        await app.start()
        return cls(app, settings)

    async def stop(self) -> None:
        """What run_polling does on SIGTERM: stop polling, drain, stop, shut down (once)."""
        if self.stopped:
            return
        self.stopped = True
        app = self.app
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


# -- reading what happened ------------------------------------------------------------


ANSWER_BUTTONS = ("a:", "s:", "t:")
"""Payloads of buttons that answer with a new message (not dialog, menu, card or feedback buttons)."""


def buttons_data(message: SentMessage) -> list[str]:
    """The callback_data of every button under a message, row by row."""
    return [b["callback_data"] for b in message.buttons if "callback_data" in b]


def answer_buttons(message: SentMessage) -> list[str]:
    """The payloads of the buttons under a message that each answer with a new message."""
    return [d for d in buttons_data(message) if d.startswith(ANSWER_BUTTONS)]


def failed_calls(emu: BotAPIEmulator) -> list[str]:
    """Calls the emulator refused that were not planned faults: each a bug in the bot."""
    return [
        f"{c.method} -> {c.status} {c.description}"
        for c in emu.calls
        if c.fault is None and c.status not in (200, 0) and c.method != "getUpdates"
    ]


def record_text(record: logging.LogRecord) -> str:
    """Everything a log record would print: message, exception and stack."""
    parts = [record.name, record.getMessage()]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def token_leaks(records: Iterable[logging.LogRecord], token: str = TOKEN) -> list[str]:
    """Log lines that show the token or its secret half."""
    secret = token.split(":", 1)[1]
    return [record_text(r)[:300] for r in records if secret in record_text(r)]


def unhandled_errors(records: Iterable[logging.LogRecord]) -> list[str]:
    """ERROR-or-worse records: each a failure the bot did not handle."""
    return [f"{r.name}: {r.getMessage()[:200]}" for r in records if r.levelno >= logging.ERROR]
