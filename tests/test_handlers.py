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


def test_an_engine_replaced_after_gc_freeze_is_freed() -> None:
    """`kpo-bot run` freezes the first engine out of GC passes; a /reload must not pin it for good."""
    import gc
    import weakref

    class Engineish:
        def __init__(self) -> None:
            self.me = self  # a cycle, as the engine's caches make: only the GC frees it

    old = Engineish()
    gone = weakref.ref(old)
    gc.collect()
    gc.freeze()
    try:
        del old
        operator.release_replaced()
        assert gone() is None
    finally:
        gc.unfreeze()
