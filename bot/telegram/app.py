"""Building the python-telegram-bot Application: settings in, a ready Application out."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    TypeHandler,
    filters,
)

from bot.engine import Engine
from bot.files import private_dir
from bot.logs import redact, redact_token
from bot.questionlog import QuestionLog
from bot.settings import Settings
from bot.telegram import conversations, dialogs, handlers, operator, quizzes
from bot.telegram.context import ENGINE_KEY, App
from bot.telegram.ordering import BackpressureQueue, ChatOrderedUpdateProcessor
from bot.telegram.persistence import StatePersistence
from bot.telegram.request import BotAPIRequest, UpdatesRequest
from bot.telegram.retry import RetryingRateLimiter
from bot.telegram.webhook import limit_webhook_bodies

_LOG = logging.getLogger(__name__)
STATE_FILE = "bot-state.pickle"
BACKLOG_PER_SLOT = 4
"""Updates fetched but unhandled, per concurrent slot, before polling waits (at most a few
seconds of work: all a crash can lose, since Telegram keeps what was not fetched)."""


def build_application(settings: Settings, engine: Engine) -> App:
    """The Application `kpo-bot run` starts, and the end-to-end tests drive."""
    token = settings.require_token()
    redact_token(token)  # before build(): PTB logs its base URL, token included, at DEBUG
    private_dir(settings.data_dir)
    persistence = StatePersistence(settings.data_dir / STATE_FILE)
    backlog = BackpressureQueue(BACKLOG_PER_SLOT * settings.concurrency)
    app = (
        Application.builder()
        .token(token)
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(_rate_limiter(settings))
        .persistence(persistence)
        .request(_request(settings, pool_size=256))
        .get_updates_request(_request(settings, pool_size=1, before_send=backlog.room))
        .concurrent_updates(ChatOrderedUpdateProcessor(settings.concurrency))
        .update_queue(backlog)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    persistence.watch(app.user_data, app.chat_data)
    app.bot_data[ENGINE_KEY] = engine
    app.bot_data[operator.LOG_KEY] = QuestionLog(
        settings.data_dir, enabled=settings.log_questions, retention_days=settings.log_retention_days)
    register_handlers(app, settings.admin_ids)
    return app


def _request(settings: Settings, pool_size: int,
             before_send: Callable[[], Awaitable[None]] | None = None) -> BotAPIRequest:
    """PTB's HTTP client with every timeout from settings (getUpdates adds its long-poll wait)."""
    t = settings.timeout
    kind = UpdatesRequest if before_send is not None else BotAPIRequest
    return kind(connection_pool_size=pool_size, connect_timeout=t, read_timeout=t,
                write_timeout=t, pool_timeout=t, before_send=before_send)


def _rate_limiter(settings: Settings) -> RetryingRateLimiter:
    inner = None
    if settings.rate_limit:
        inner = AIORateLimiter(overall_max_rate=settings.rate_overall, overall_time_period=1,
                               group_max_rate=settings.rate_group, group_time_period=60,
                               max_retries=0)
    return RetryingRateLimiter(inner, max_retries=settings.max_retries,
                               first_delay=settings.retry_delay)


def register_handlers(app: App, admin_ids: tuple[int, ...] = ()) -> None:
    """Every handler, in the order PTB tries them; each logs one line per update."""
    addressed = handlers.Addressed()
    log = operator.logged
    # New messages only: PTB's defaults also hand edited messages (and, to MessageHandler,
    # channel posts) to these handlers. An edit was answered already, before it was edited.
    new = filters.UpdateType.MESSAGE
    # Telegram redelivers an update whose webhook answer was slow: the repeat is dropped first.
    app.add_handler(TypeHandler(Update, handlers.drop_repeats), group=-1)
    # Admin output (figures, other users' unanswered questions) goes only to a private chat with an admin.
    admins = new & filters.ChatType.PRIVATE & filters.User(user_id=admin_ids)
    # The inline quiz card's deep link: before the general /start.
    app.add_handler(CommandHandler("start", log("command", quizzes.start_quiz),
                                   filters=new & filters.Regex(r"^/start(@\w+)?\s+quiz\s*$")))
    commands = {"start": handlers.start, "help": handlers.help_command,
                "classify": handlers.classify, "cancel": quizzes.cancel,
                "compare": handlers.compare, "quiz": quizzes.quiz, "privacy": operator.privacy}
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, log("command", callback), filters=new))
    # For anyone else, /stats and /reload fall through to the text handler like any unknown command.
    app.add_handler(CommandHandler("stats", log("command", operator.stats), filters=admins))
    app.add_handler(CommandHandler("reload", log("command", operator.reload), filters=admins))
    app.add_handler(InlineQueryHandler(log("inline_query", handlers.inline_query)))
    app.add_handler(CallbackQueryHandler(log("callback_query", quizzes.play_again), pattern=r"^m:quiz$"))
    app.add_handler(CallbackQueryHandler(log("callback_query", handlers.button)))
    app.add_handler(PollAnswerHandler(log("poll_answer", quizzes.poll_answer)))
    # After every command: in a private chat an unknown /command gets the list of commands
    # rather than silence; in a group it may be meant for another bot.
    app.add_handler(MessageHandler(new & filters.COMMAND & filters.ChatType.PRIVATE,
                                   log("command", handlers.unknown_command)))
    app.add_handler(MessageHandler(new & filters.TEXT & addressed & ~filters.COMMAND,
                                   log("message", handlers.question)))
    # Stickers, photos and voice get a polite note; service messages (a pin, a timer change) nothing.
    app.add_handler(MessageHandler(
        new & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
        log("message", handlers.non_text)))
    # Last: forget the user unless a dialog, a fresh context or a quiz best is kept for them,
    # and the chat unless a quiz round is under way (their data is persisted only while it is).
    app.add_handler(TypeHandler(Update, dialogs.forget_idle), group=1)
    app.add_error_handler(handlers.on_error)


async def post_init(app: App) -> None:
    """Publish the command menu and the bot's profile once the bot is known to Telegram."""
    engine: Engine = app.bot_data[ENGINE_KEY]
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in engine.commands()])
    await set_profile(app, engine)
    dialogs.restore_timeouts(app)
    quizzes.restore(app)
    operator.schedule_pruning(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(conversations.sweep_job, conversations.SWEEP_SECONDS,
                                    first=conversations.SWEEP_SECONDS, name="context-sweep")


async def set_profile(app: App, engine: Engine) -> None:
    """Set the description shown in an empty chat ("What can this bot do?") and the short one
    on the profile page; the bot serves without them, so a failure is one log line."""
    description, short = engine.profile()
    try:
        await app.bot.set_my_description(description)
        await app.bot.set_my_short_description(short)
    except TelegramError as exc:
        _LOG.warning("could not set the bot's description (%s: %s); serving without it",
                     type(exc).__name__, exc)


async def post_shutdown(app: App) -> None:
    """Finish the question log's pending writes."""
    qlog = app.bot_data.get(operator.LOG_KEY)
    if qlog is not None:
        await asyncio.to_thread(qlog.close)


def serve(app: App, settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook when a URL is configured."""
    if not settings.webhook_url:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=settings.poll_timeout)
        return
    app.run_webhook(**webhook_options(settings))


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of PTB's run_webhook/start_webhook: listen where the proxy forwards to,
    serve the URL's path, and check a secret token on every request (generated if unset)."""
    assert settings.webhook_url is not None
    secret = settings.secret() or secrets.token_urlsafe(32)
    redact(secret)  # PTB logs setWebhook's parameters at DEBUG
    limit_webhook_bodies()
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlparse(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": secret,
        "allowed_updates": ALLOWED_UPDATES,
    }


ALLOWED_UPDATES = [Update.MESSAGE, Update.INLINE_QUERY, Update.CALLBACK_QUERY, Update.POLL_ANSWER]
"""The update kinds the handlers serve; Telegram keeps every other kind to itself."""
