"""Reading a Bot API request's parameters the way Telegram's server does.

Why: clients send the same call three ways.  python-telegram-bot posts a
form where strings are raw and every other value is JSON text; files make it
multipart; other clients post a JSON object.  The emulator must see one typed
dict whichever way, yet a ``text`` of "123" must stay a string, so only
parameters known to be JSON, integers or booleans are converted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from .errors import bad_request

JSON_FIELDS = frozenset(
    {
        "reply_markup", "results", "commands", "allowed_updates", "button",
        "link_preview_options", "entities", "caption_entities", "scope",
        "reply_parameters", "media", "options", "prices", "permissions", "reaction",
        "question_entities", "explanation_entities", "correct_option_ids",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "timeout", "cache_time",
        "reply_to_message_id", "message_thread_id", "max_connections", "user_id",
        "from_chat_id", "until_date", "correct_option_id", "open_period", "close_date",
    }
)
BOOL_FIELDS = frozenset(
    {
        "disable_notification", "protect_content", "show_alert", "is_personal",
        "drop_pending_updates", "disable_web_page_preview", "allow_sending_without_reply",
        "disable_content_type_detection", "has_spoiler", "allow_paid_broadcast",
        "is_anonymous", "allows_multiple_answers", "is_closed", "allows_revoting",
    }
)
_INTEGER = re.compile(r"^-?\d+$")


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of the request (query string, then body), typed."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await _json_body(request))
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            params[name] = _file_info(value) if isinstance(value, FileField) else value
    return {name: _typed(name, value) for name, value in params.items()}


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("Bad Request: can't parse JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("Bad Request: JSON object expected")
    return body


def _file_info(value: FileField) -> dict[str, Any]:
    """An uploaded file: its name, type, size and bytes (a photo's dimensions are read from them)."""
    data = value.file.read()
    return {"file_name": value.filename, "content_type": value.content_type, "size": len(data), "data": data}


def _typed(name: str, value: Any) -> Any:
    """Convert one raw form value if the parameter is a known JSON/int/bool one."""
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise bad_request("Bad Request: can't parse reply keyboard markup JSON object") from None
            raise bad_request(f"Bad Request: can't parse {name} JSON object") from None
    if name in INT_FIELDS and _INTEGER.match(value):
        return int(value)
    if name in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value
