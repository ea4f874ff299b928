"""Settings: read from the environment and a `.env` file by pydantic-settings, validated at once.

Flags win over the environment, which wins over `.env`. The token is never
taken from a command-line flag, because other users of the machine can read a
process's arguments; it and the webhook secret are SecretStr, so neither shows
in a repr or a traceback. Every bad value is reported in one message at start,
not one per restart, in the words of the parsers below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

TOKEN_PATTERN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{20,64}$")
DEFAULT_API = "https://api.telegram.org/bot"
PREFIX = "KPO_BOT_"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
"""Hosts a plain-http URL may name: the token then never leaves the machine unencrypted."""
_SECRETS = {"TELEGRAM_BOT_TOKEN", PREFIX + "WEBHOOK_SECRET"}
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("kpo_bot_environ", default=None)
"""The variables load_settings was given to read instead of the process's environment."""


class SettingsError(ValueError):
    """One or more settings are invalid; the message lists each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings: " + "; ".join(problems))


class Settings(BaseSettings):
    """Everything the Telegram bot needs to run; see the README's table for each variable."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore",
                                      frozen=True, validate_default=False)

    token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    api_base_url: str = Field(default=DEFAULT_API, validation_alias="TELEGRAM_API_BASE_URL")
    data_dir: Path = Path("data")
    rate_limit: bool = True
    rate_overall: PositiveFloat = 30.0
    """Requests per second across all chats (Telegram's limit is about 30)."""
    rate_group: PositiveFloat = 20.0
    """Messages per minute to one group (Telegram's limit is 20)."""
    timeout: PositiveFloat = 10.0
    """Seconds to wait for each Bot API call (connect, read, write)."""
    poll_timeout: NonNegativeInt = 30
    max_retries: NonNegativeInt = 5
    retry_delay: PositiveFloat = 0.5
    concurrency: PositiveInt = 8
    """Updates processed at once (different chats only; one chat's stay in order). 1: one at a time."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    dialog_timeout: PositiveFloat = 15.0
    """Minutes of inactivity after which a /classify dialog ends."""
    context_minutes: PositiveFloat = 10.0
    """Minutes after a chat's last message when a follow-up ("why?") is no longer read with it,
    and the context is deleted."""
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    log_questions: bool = True
    log_retention_days: PositiveFloat = 90.0
    log_format: Literal["text", "json"] = "text"
    webhook_url: str | None = None
    """Public https URL Telegram posts updates to; unset means long polling."""
    webhook_listen: str = "127.0.0.1"
    webhook_port: Annotated[int, Field(ge=1, le=65535)] = 8443
    webhook_secret: SecretStr | None = None
    """Checked on every webhook request; generated at start when not set."""

    @field_validator("*", mode="before")
    @classmethod
    def _parse(cls, value: Any, info: ValidationInfo) -> Any:
        """Text from the environment, .env or a flag, through the field's parser."""
        if not isinstance(value, str):
            return value
        parser = _PARSERS.get(info.field_name or "")
        return parser(value.strip()) if parser is not None else value.strip()

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags, then the environment (or the mapping load_settings was given), then .env."""
        environ = _ENVIRON.get()
        env = env_settings if environ is None else _MappingEnvSource(settings_cls, environ)
        return init_settings, env, dotenv_settings

    def require_token(self) -> str:
        """The token, or a SettingsError saying how to provide it."""
        if self.token is None or not self.token.get_secret_value():
            raise SettingsError(["TELEGRAM_BOT_TOKEN is not set (put it in the environment or in .env)"])
        return self.token.get_secret_value()

    def secret(self) -> str | None:
        """The webhook secret as text, if one is set."""
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None


class _MappingEnvSource(EnvSettingsSource):
    """The environment source, reading a given mapping instead of os.environ (tests, embedding)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, bool(self.case_sensitive), bool(self.env_ignore_empty),
                              self.env_parse_none_str)


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env"),
                  flags: Mapping[str, str | None] | None = None) -> Settings:
    """Settings from `.env`, then the environment, then command-line flags (by variable name).

    Flags pass the same checks as variables; TELEGRAM_BOT_TOKEN is never taken from one.
    """
    overrides: dict[str, Any] = {env.removeprefix(PREFIX).lower(): value for env, value in (flags or {}).items()
                                 if value is not None and env.startswith(PREFIX)}
    reset = _ENVIRON.set(environ)
    try:
        return Settings(_env_file=dotenv, **overrides)
    except ValidationError as exc:
        raise SettingsError([_problem(e) for e in exc.errors()]) from None
    finally:
        _ENVIRON.reset(reset)


def _problem(error: ErrorDetails) -> str:
    """One bad value as `VARIABLE='value' what it must be`, secrets hidden."""
    name = str(error["loc"][0]) if error["loc"] else "?"
    variable = name if name.isupper() else PREFIX + name.upper()  # the token and API URL go by their alias
    shown = "(hidden)" if variable in _SECRETS else repr(error.get("input"))
    return f"{variable}={shown} {error['msg'].removeprefix('Value error, ')}"


# --- parsers: text in, value out, or ValueError with what the value must be ------------------


def _token(text: str) -> str:
    if not TOKEN_PATTERN.match(text.strip()):
        raise ValueError("does not look like a BotFather token (digits, a colon, then letters)")
    return text.strip()


def _url(text: str) -> str:
    parsed = urlparse(text.strip())
    if not parsed.hostname or parsed.scheme not in ("http", "https"):
        raise ValueError("must be an http(s) URL such as https://api.telegram.org/bot")
    if parsed.scheme == "http" and parsed.hostname not in _LOOPBACK:
        raise ValueError("must use https unless the server is on this machine (127.0.0.1, ::1)")
    return text.strip().rstrip("/")


def _user_ids(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in parts if not (p.lstrip("-").isascii() and p.lstrip("-").isdigit())]
    if bad:
        raise ValueError(f"must be numeric Telegram user ids separated by commas ({bad[0]!r} is not)")
    return tuple(int(p) for p in parts)


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


def _secret(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", text.strip()):
        raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return text.strip()


_PARSERS: dict[str, Callable[[str], Any]] = {
    "token": _token, "api_base_url": _url, "log_level": str.upper, "log_format": str.lower,
    "admin_ids": _user_ids, "webhook_url": _webhook_url, "webhook_listen": _host, "webhook_secret": _secret,
}
"""Fields whose text needs more than pydantic's own parsing (which reads the numbers and flags)."""
