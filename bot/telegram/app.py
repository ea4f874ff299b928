"""Building the python-telegram-bot Application: settings in, a ready Application out."""

from __future__ import annotations

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    filters,
)

from bot.engine import Engine
from bot.logs import redact_token
from bot.settings import Settings
from bot.telegram import dialogs, handlers
from bot.telegram.context import ENGINE_KEY
from bot.telegram.logsafe import redact_in_logs
from bot.telegram.ordering import ChatOrderedUpdateProcessor
from bot.telegram.request import BotAPIRequest
from bot.telegram.retry import RetryingRateLimiter


def build_application(settings: Settings, engine: Engine) -> Application:
    """The Application `kpo-bot run` starts, and the end-to-end tests drive."""
    redact_token(settings.require_token())
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    persistence = PicklePersistence(
        settings.data_dir / "bot-state.pickle",
        store_data=PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
    )
    token = settings.require_token()
    redact_in_logs(token)  # before build(): PTB logs its base URL, token included, at DEBUG
    app = (
        Application.builder()
        .token(token)
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(_rate_limiter(settings))
        .persistence(persistence)
        .request(_request(settings, pool_size=256))
        .get_updates_request(_request(settings, pool_size=1))
        .concurrent_updates(ChatOrderedUpdateProcessor(settings.concurrency))
        .post_init(post_init)
        .build()
    )
    app.bot_data[ENGINE_KEY] = engine
    register_handlers(app)
    return app


def _request(settings: Settings, pool_size: int) -> BotAPIRequest:
    """PTB's HTTP client with every timeout from settings (getUpdates adds its long-poll wait)."""
    t = settings.timeout
    return BotAPIRequest(connection_pool_size=pool_size, connect_timeout=t, read_timeout=t,
                         write_timeout=t, pool_timeout=t)


def _rate_limiter(settings: Settings) -> RetryingRateLimiter:
    inner = None
    if settings.rate_limit:
        inner = AIORateLimiter(overall_max_rate=settings.rate_overall, overall_time_period=1,
                               group_max_rate=settings.rate_group, group_time_period=60,
                               max_retries=0)
    return RetryingRateLimiter(inner, max_retries=settings.max_retries,
                               first_delay=settings.retry_delay)


def register_handlers(app: Application) -> None:
    """Every handler, in the order PTB tries them."""
    addressed = handlers.Addressed()
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help_command))
    app.add_handler(CommandHandler("classify", handlers.classify))
    app.add_handler(CommandHandler("cancel", handlers.cancel))
    app.add_handler(CommandHandler("compare", handlers.compare))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & addressed, handlers.question))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND,
                                   handlers.non_text))
    app.add_error_handler(handlers.on_error)


async def post_init(app: Application) -> None:
    """Publish the command menu once the bot is known to Telegram."""
    engine: Engine = app.bot_data[ENGINE_KEY]
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in engine.commands()])
    dialogs.restore_timeouts(app)


ALLOWED_UPDATES = Update.ALL_TYPES
