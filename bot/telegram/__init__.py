"""The Telegram adapter: a thin layer of python-telegram-bot handlers over the engine."""
