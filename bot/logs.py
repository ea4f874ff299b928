"""Keeping the bot token out of every log record.

The token sits inside every Bot API URL, and httpx, httpcore and PTB log URLs
and exceptions at various levels. Raising their log levels hides them only
until someone turns debug logging on, so instead every record is redacted when
it is created, whoever logs it: message, arguments and exception text alike.
"""

from __future__ import annotations

import json
import logging
from typing import Any

REDACTED = "[token]"
REDACTED_SECRET = "[webhook secret]"
_installed: dict[str, str] = {}


def redact_token(token: str) -> None:
    """From now on, replace the token's secret part in every log record of this process."""
    redact(token.split(":", 1)[-1], REDACTED)


def redact(secret: str, label: str = REDACTED_SECRET) -> None:
    """From now on, replace `secret` by `label` in every log record of this process."""
    if not secret or secret in _installed:
        return
    _installed[secret] = label
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub(record, secret, label)
        return record

    logging.setLogRecordFactory(factory)


def _scrub(record: logging.LogRecord, secret: str, label: str) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed format string: leave it to the handler
        return
    if secret in message:
        record.msg, record.args = message.replace(secret, label), None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        if secret in text:
            record.exc_text = text.replace(secret, label)
            record.exc_info = None


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors: time, level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


class _StartupAbortFilter(logging.Filter):
    """Drop PTB's ERROR-with-traceback when a start-up call gives up ("... Aborting.").

    `kpo-bot run` then says what happened in one line (Telegram unreachable, token
    refused); the traceback adds some hundred lines and nothing an operator can use.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("telegram.ext") and record.levelno >= logging.ERROR
                    and "Aborting" in str(record.msg))


class _WithheldDataFilter(logging.Filter):
    """Keep update contents out of PTB's log lines about updates it could not read.

    PTB quotes the whole update (message text included) when it cannot parse one
    ("Received data was ..."); the operator needs to know that it happened, not
    what a user wrote.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.name.startswith("telegram") and "Received data was" in message:
            kept = message.split("Received data was", 1)[0]
            record.msg, record.args = kept + "Received data withheld (it may hold message text).", None
        return True


def configure(level: str, fmt: str = "text") -> None:
    """Logging for `kpo-bot run`: the chosen level and format, httpx kept quiet."""
    handler = logging.StreamHandler()
    handler.addFilter(_StartupAbortFilter())
    handler.addFilter(_WithheldDataFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO; the token is redacted anyway, but the noise is not useful.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
