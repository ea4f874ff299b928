"""The HTTP client python-telegram-bot talks to the Bot API with.

Why a subclass: when Telegram's front end answers a 502 or 504 with an HTML
page, PTB's `parse_json_payload` logs the page as an ERROR with a traceback
before the call fails with NetworkError, which the retry layer then retries.
An operator would read that as an unhandled failure. PTB documents this
method as the one to override; this one logs a one-line warning instead and
fails the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import TelegramError
from telegram.request import HTTPXRequest

_LOG = logging.getLogger(__name__)


class BotAPIRequest(HTTPXRequest):
    """PTB's HTTPXRequest, quiet about error pages that are not JSON.

    With `before_send`, every request first awaits it: the getUpdates client waits
    for room in the update backlog (ordering.BackpressureQueue), so a new batch is
    fetched, and the previous one confirmed, only when the bot keeps up.
    """

    def __init__(self, *args: Any, before_send: Callable[[], Awaitable[None]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._before_send = before_send

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Wait for `before_send`, then send as PTB does."""
        if self._before_send is not None:
            await self._before_send()
        return await super().do_request(*args, **kwargs)

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The JSON body, or TelegramError("Invalid server response") after a one-line warning."""
        try:
            parsed: dict[str, Any] = json.loads(payload.decode("utf-8", "replace"))
        except ValueError as exc:
            _LOG.warning("the Bot API answered with a body that is not JSON (%d bytes: %r)",
                         len(payload), payload[:60])
            raise TelegramError("Invalid server response") from exc
        return parsed
