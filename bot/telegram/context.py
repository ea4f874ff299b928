"""What handlers and jobs take from PTB's context: the engine the application serves."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, ContextTypes

from bot.engine import Engine

App = Application[Any, Any, Any, Any, Any, Any]
"""The Application, as handlers and jobs see it."""
ENGINE_KEY = "engine"
"""bot_data key of the engine; bot_data is not persisted, so the engine never is."""


def engine_of(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    """The engine the application serves."""
    return cast(Engine, context.bot_data[ENGINE_KEY])
