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

from telegram import Update
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


class UpdatesRequest(BotAPIRequest):
    """The getUpdates client: an update python-telegram-bot cannot read is skipped, not fatal.

    PTB parses a whole batch at once; one update it cannot read (a field it does
    not expect) fails the batch, which is fetched again and fails again forever,
    each time logging a CRITICAL line that quotes every message in the batch.
    Here each update is tried alone first; one that fails is replaced by its bare
    update_id (so it is confirmed and no handler sees it) and logged once,
    without its content.
    """

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The JSON body, with unreadable updates reduced to their update_id."""
        parsed = BotAPIRequest.parse_json_payload(payload)
        result = parsed.get("result")
        if isinstance(result, list):
            parsed["result"] = [_readable(item) for item in result]
        return parsed


def _readable(item: Any) -> Any:
    """The update if PTB can read it, else only its update_id."""
    try:
        Update.de_json(item, None)
    except Exception as exc:  # noqa: BLE001 - whatever PTB raises, the update must not block the rest
        update_id = item.get("update_id") if isinstance(item, dict) else None
        kinds = sorted(k for k in item if k != "update_id") if isinstance(item, dict) else []
        _LOG.warning("update %s could not be read by python-telegram-bot (%s in %s); skipped",
                     update_id, type(exc).__name__, ", ".join(kinds) or "an empty update")
        return {"update_id": update_id}
    return item
