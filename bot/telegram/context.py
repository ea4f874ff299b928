"""What handlers and jobs take from PTB's context: the engine the application serves."""

from __future__ import annotations

from telegram.ext import ContextTypes

from bot.engine import Engine

ENGINE_KEY = "engine"
"""bot_data key of the engine; bot_data is not persisted, so the engine never is."""


def engine_of(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    """The engine the application serves."""
    return context.bot_data[ENGINE_KEY]
