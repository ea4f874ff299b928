"""Telegram's error answers, as values the emulator can raise anywhere.

Why: every refusal must reach the client with Telegram's exact HTTP status,
``error_code`` and ``description``, because python-telegram-bot picks its
exception class from the status and tests compare the description.
"""

from __future__ import annotations

from typing import Any

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"
BLOCKED = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code", "description", "parameters"}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 answer; ``description`` must already start with "Bad Request: "."""
    return ApiError(400, description)


def too_many_requests(retry_after: int) -> ApiError:
    """Telegram's flood-control answer, which PTB turns into RetryAfter."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
