"""Retrying Bot API calls that failed transiently, through PTB's rate-limiter extension point.

PTB retries no Bot API call by itself, and its AIORateLimiter retries only 429
answers. This limiter wraps AIORateLimiter (or nothing, when rate limiting is
off) and retries 429 (after retry_after), 5xx, timeouts and dropped connections
with exponential backoff, so no reply is lost to a passing failure. Errors that
retrying cannot fix (400, 403, 401) are raised at once.

A 429 is kept from the inner AIORateLimiter: configured with max_retries=0 (so
that the retries and their count live here, in one place), it logs every 429 as
"Rate limit hit after maximum of 0 retries" at ERROR with a traceback, although
the call is then retried and delivered. Its throttling, which keeps the bot
under Telegram's limits in the first place, still applies to every attempt.

A timed-out call may have reached Telegram; retrying it can then show a message
twice. The Bot API has no idempotency key, so this is the price of not losing
replies; calls that failed with an answer (429, 5xx) never took effect.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]
_LOG = logging.getLogger(__name__)


class _FloodWait(Exception):
    """Carries a RetryAfter past the inner limiter, which would log it as an error."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(str(error))
        self.error = error


class RetryingRateLimiter(BaseRateLimiter[int]):
    """Rate limiting by an inner limiter, plus retries with backoff for transient failures."""

    def __init__(self, inner: BaseRateLimiter[Any] | None, *, max_retries: int = 5,
                 first_delay: float = 0.5, max_delay: float = 30.0) -> None:
        self.inner = inner
        self.max_retries = max_retries
        self.first_delay = first_delay
        self.max_delay = max_delay

    async def initialize(self) -> None:
        """Initialise the inner limiter."""
        if self.inner is not None:
            await self.inner.initialize()

    async def shutdown(self) -> None:
        """Shut the inner limiter down."""
        if self.inner is not None:
            await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Send the request, retrying transient failures up to `max_retries` times."""
        attempt = 0
        while True:
            try:
                return await self._attempt(callback, args, kwargs, endpoint, data, rate_limit_args)
            except _FloodWait as wrapped:
                delay = _seconds(wrapped.error)
                error: Exception = wrapped.error
            except RetryAfter as exc:
                delay = _seconds(exc)
                error = exc
            except BadRequest:  # a NetworkError subclass in PTB, but retrying cannot fix it
                raise
            except NetworkError as exc:  # 5xx, timeouts, dropped connections
                delay = min(self.first_delay * 2**attempt, self.max_delay)
                error = exc
            if attempt >= self.max_retries:
                raise error
            attempt += 1
            _LOG.warning("%s failed (%s: %s); retry %d of %d in %.2f s", endpoint,
                         type(error).__name__, error, attempt, self.max_retries, delay)
            await asyncio.sleep(delay)

    async def _attempt(self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str,
                       data: dict[str, Any], rate_limit_args: int | None
                       ) -> bool | JSONDict | list[JSONDict]:
        """One try, throttled by the inner limiter when there is one."""
        if self.inner is None:
            return await callback(*args, **kwargs)

        async def guarded(*call_args: Any, **call_kwargs: Any) -> bool | JSONDict | list[JSONDict]:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as exc:
                raise _FloodWait(exc) from None

        return await self.inner.process_request(guarded, args, kwargs, endpoint, data, rate_limit_args)


def _seconds(exc: RetryAfter) -> float:
    """retry_after in seconds, whichever type PTB is configured to return."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
