"""Keeping the bot token out of every log record.

Why: the token is the bot's password and part of every Bot API URL. httpx logs
each request URL at INFO, python-telegram-bot logs its base URL at DEBUG when
the bot is built, and an exception raised while talking to Telegram may quote a
URL. Raising those loggers' levels (as `kpo-bot run` also does for httpx) is not
enough: whoever turns on DEBUG to chase a problem would write the token into
log files. So every record made in the process is redacted as it is created,
through the standard library's log record factory. A filter on one handler
would not do: it would not protect handlers added by others (pytest's, a log
shipper's), and a filter on a logger misses records of its child loggers.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

REDACTED = "<bot-token>"

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact_in_logs(token: str) -> None:
    """Hide ``token``, and its secret half on its own, in every log record made from now on."""
    global _installed
    with _lock:
        _secrets.update(s for s in (token, token.split(":", 1)[-1]) if len(s) >= 8)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def redact(text: str) -> str:
    """The text with every registered secret replaced (the whole token first)."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _contains_secret(text: str) -> bool:
    return any(secret in text for secret in _secrets)


def _scrub(record: logging.LogRecord) -> None:
    """Redact the message and the exception text of a record that quotes a secret.

    Only records that do quote one are touched; their message is formatted
    early (arguments included) and their exception is kept as text in
    ``exc_text``, which logging's formatters print in place of ``exc_info``.
    """
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it when the record is emitted
        message = str(record.msg)
    if _contains_secret(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if _contains_secret(text):
            record.exc_text, record.exc_info = redact(text), None
    if record.stack_info and _contains_secret(record.stack_info):
        record.stack_info = redact(record.stack_info)
