"""Settings: read from the environment and a `.env` file, validated in one place.

The environment wins over `.env`. The token is never taken from a command-line
flag, because other users of the machine can read a process's arguments. Every
bad value is reported in one message at start, not one per restart.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from typing import Any

from dotenv import dotenv_values

TOKEN_PATTERN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{20,64}$")
DEFAULT_API = "https://api.telegram.org/bot"


class SettingsError(ValueError):
    """One or more settings are invalid; the message lists each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings: " + "; ".join(problems))


@dataclass(frozen=True)
class Settings:
    """Everything the Telegram bot needs to run."""

    token: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API
    data_dir: Path = Path("data")
    rate_limit: bool = True
    rate_overall: float = 30.0
    """Requests per second across all chats (Telegram's limit is about 30)."""
    rate_group: float = 20.0
    """Messages per minute to one group (Telegram's limit is 20)."""
    timeout: float = 10.0
    """Seconds to wait for each Bot API call (connect, read, write)."""
    poll_timeout: int = 30
    """Long-polling wait for getUpdates, seconds."""
    max_retries: int = 5
    """Retries of a send that failed transiently (429, 5xx, timeout)."""
    retry_delay: float = 0.5
    """First backoff delay, seconds; doubles each retry."""
    concurrency: int = 8
    """Updates processed at once (different chats only; one chat's stay in order). 1: one at a time."""
    log_level: str = "INFO"
    dialog_timeout: float = 15.0
    """Minutes of inactivity after which a /classify dialog ends."""
    admin_ids: tuple[int, ...] = ()
    """Telegram user ids allowed to use /stats and /reload."""
    log_questions: bool = True
    """Keep the question log (SQLite in the data directory)."""
    log_retention_days: float = 90.0
    """Days after which question-log rows are deleted."""
    log_format: str = "text"
    """Log lines as plain text or as one JSON object each."""
    webhook_url: str | None = None
    """Public https URL Telegram posts updates to; unset means long polling."""
    webhook_listen: str = "127.0.0.1"
    """Address the webhook server listens on (behind a reverse proxy: loopback)."""
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    """Checked on every webhook request; generated at start when not set."""

    def require_token(self) -> str:
        """The token, or a SettingsError saying how to provide it."""
        if not self.token:
            raise SettingsError(["TELEGRAM_BOT_TOKEN is not set (put it in the environment or in .env)"])
        return self.token


# name -> (field, parser)
_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {}


def _register(env: str, name: str, parser: Callable[[str], Any]) -> None:
    _FIELDS[env] = (name, parser)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("must be a number") from None
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError("must be a whole number") from None
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be 1 or 0")


def _token(text: str) -> str:
    if not TOKEN_PATTERN.match(text.strip()):
        raise ValueError("does not look like a BotFather token (digits, a colon, then letters)")
    return text.strip()


_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
"""Hosts a plain-http URL may name: the token then never leaves the machine unencrypted."""


def _url(text: str) -> str:
    parsed = urlparse(text.strip())
    if not parsed.hostname or parsed.scheme not in ("http", "https"):
        raise ValueError("must be an http(s) URL such as https://api.telegram.org/bot")
    if parsed.scheme == "http" and parsed.hostname not in _LOOPBACK:
        raise ValueError("must use https unless the server is on this machine (127.0.0.1, ::1)")
    return text.strip().rstrip("/")


def _level(text: str) -> str:
    level = text.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _user_ids(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in parts if not p.lstrip("-").isdigit()]
    if bad:
        raise ValueError(f"must be numeric Telegram user ids separated by commas ({bad[0]!r} is not)")
    return tuple(int(p) for p in parts)


def _log_format(text: str) -> str:
    if text.strip().lower() not in {"text", "json"}:
        raise ValueError("must be text or json")
    return text.strip().lower()


def _webhook_url(text: str) -> str:
    parsed = urlparse(text.strip())
    if parsed.scheme == "http" and parsed.hostname in _LOOPBACK:
        return text.strip()  # a local Bot API server or test emulator
    if parsed.scheme != "https" or not parsed.hostname:
        raise ValueError("must be an https:// URL (Telegram only posts to https)")
    return text.strip()


def _host(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.:\[\]-]{1,255}", text.strip()):
        raise ValueError("must be an IP address or host name")
    return text.strip()


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError("must be a port number from 1 to 65535")
    return int(text)


def _secret(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", text.strip()):
        raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return text.strip()


_register("TELEGRAM_BOT_TOKEN", "token", _token)
_register("TELEGRAM_API_BASE_URL", "api_base_url", _url)
_register("KPO_BOT_DATA_DIR", "data_dir", Path)
_register("KPO_BOT_RATE_LIMIT", "rate_limit", _flag)
_register("KPO_BOT_RATE_OVERALL", "rate_overall", _positive_float)
_register("KPO_BOT_RATE_GROUP", "rate_group", _positive_float)
_register("KPO_BOT_TIMEOUT", "timeout", _positive_float)
_register("KPO_BOT_POLL_TIMEOUT", "poll_timeout", _count)
_register("KPO_BOT_MAX_RETRIES", "max_retries", _count)
_register("KPO_BOT_RETRY_DELAY", "retry_delay", _positive_float)
_register("KPO_BOT_CONCURRENCY", "concurrency", _positive_int)
_register("KPO_BOT_LOG_LEVEL", "log_level", _level)
_register("KPO_BOT_DIALOG_TIMEOUT", "dialog_timeout", _positive_float)
_register("KPO_BOT_ADMIN_IDS", "admin_ids", _user_ids)
_register("KPO_BOT_LOG_QUESTIONS", "log_questions", _flag)
_register("KPO_BOT_LOG_RETENTION_DAYS", "log_retention_days", _positive_float)
_register("KPO_BOT_LOG_FORMAT", "log_format", _log_format)
_register("KPO_BOT_WEBHOOK_URL", "webhook_url", _webhook_url)
_register("KPO_BOT_WEBHOOK_LISTEN", "webhook_listen", _host)
_register("KPO_BOT_WEBHOOK_PORT", "webhook_port", _port)
_register("KPO_BOT_WEBHOOK_SECRET", "webhook_secret", _secret)


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env"),
                  flags: Mapping[str, str | None] | None = None) -> Settings:
    """Settings from `.env`, then the environment, then command-line flags (by variable name).

    Flags pass the same checks as variables; TELEGRAM_BOT_TOKEN is never taken from one.
    """
    merged: dict[str, str] = {}
    if dotenv is not None and dotenv.is_file():
        merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    merged.update({k: v for k, v in (flags or {}).items() if v is not None and k != "TELEGRAM_BOT_TOKEN"})
    values: dict[str, Any] = {}
    problems: list[str] = []
    for env, (name, parser) in _FIELDS.items():
        raw = merged.get(env)
        if raw is None or raw == "":
            continue
        try:
            values[name] = parser(raw)
        except ValueError as exc:
            shown = "(hidden)" if name == "token" else repr(raw)
            problems.append(f"{env}={shown} {exc}")
    if problems:
        raise SettingsError(problems)
    return Settings(**values)
