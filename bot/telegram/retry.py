"""Retrying Bot API calls that failed transiently, through PTB's rate-limiter extension point.

PTB retries no Bot API call by itself, and its AIORateLimiter retries only 429
answers. This limiter wraps AIORateLimiter (or nothing, when rate limiting is
off) and retries 429 (after retry_after), 5xx, timeouts and dropped connections
with exponential backoff, so no reply is lost to a passing failure. Errors that
retrying cannot fix (400, 403, 401) are raised at once.
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
_LOG = logging.getLogger(__name__)


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
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
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
                if self.inner is None:
                    return await callback(*args, **kwargs)
                return await self.inner.process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args)
            except RetryAfter as exc:
                delay = _seconds(exc)
                error: Exception = exc
            except BadRequest:
                raise
            except NetworkError as exc:  # 5xx, timeouts, dropped connections
                delay = min(self.first_delay * 2**attempt, self.max_delay)
                error = exc
            if attempt >= self.max_retries:
                raise error
            attempt += 1
            _LOG.warning("%s failed (%s); retry %d of %d in %.1f s",
                         endpoint, type(error).__name__, attempt, self.max_retries, delay)
            await asyncio.sleep(delay)


def _seconds(exc: RetryAfter) -> float:
    """retry_after in seconds, whichever type PTB is configured to return."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
