"""Telegram handlers called directly: an update without what a handler expects is ignored, not a crash."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update

from bot.engine import Engine
from bot.telegram import handlers, operator
from bot.telegram.context import ENGINE_KEY

HANDLERS = [handlers.start, handlers.compare, handlers.help_command, handlers.question,
            handlers.non_text, handlers.classify, handlers.cancel, handlers.inline_query,
            handlers.button, operator.privacy, operator.stats, operator.reload]


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.__name__)
async def test_an_update_without_its_message_is_ignored(engine: Engine, handler: Any) -> None:
    context = SimpleNamespace(bot_data={ENGINE_KEY: engine}, user_data=None, args=None,
                              bot=SimpleNamespace(username="kpo_test_bot"), application=None)
    await handler(Update(update_id=1), context)
