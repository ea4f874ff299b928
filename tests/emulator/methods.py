"""The Bot API methods the emulator serves, each answering as Telegram does.

Why: tests exercise the real bot against these, so each method checks what
Telegram checks, in roughly Telegram's order (parameters first, then the
chat, then whether the chat still accepts the bot), and changes state only
when it succeeds.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from .checks import (
    MAX_DESCRIPTION,
    MAX_SHORT_DESCRIPTION,
    check_callback_answer_text,
    check_caption,
    check_commands,
    check_description,
    check_inline_answer,
    check_photo_upload,
    check_poll,
    check_poll_chat,
    check_reply_markup,
    check_text,
    is_html,
)
from .errors import NOT_MODIFIED, QUERY_INVALID, SET_WEBHOOK_CONFLICT, WEBHOOK_CONFLICT, ApiError, bad_request
from .polling import UpdateQueue
from .state import Chat, SentMessage, World, now
from .telegram_text import formatted_text

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PHOTO_SIDES = (("s", 90), ("m", 320), ("x", 800), ("y", 1280), ("w", 2560))
"""The sizes Telegram keeps of a photo (longest side); the largest is the photo itself when
it fits, else the photo scaled down to 2560."""
METHOD_NAMES = (
    "getMe", "logOut", "close", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage",
    "answerCallbackQuery", "answerInlineQuery", "setMyCommands", "getMyCommands",
    "deleteMyCommands", "sendChatAction",
    "sendPhoto", "setMyDescription", "getMyDescription", "setMyShortDescription", "getMyShortDescription",
    "deleteMyCommands", "sendChatAction", "sendPoll",
)
CANONICAL = {name.lower(): name for name in METHOD_NAMES}  # Telegram ignores the case


class BotMethods(World):
    """World plus the Bot API methods (``api_<methodName>``)."""

    def __init__(self, *, bot_id: int, bot_username: str) -> None:
        super().__init__(bot_id=bot_id, bot_username=bot_username)
        self.updates = UpdateQueue()
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None, "max_connections": 40}
        self.webhook_last_error: tuple[int, str] | None = None
        self.inline_message_edits: list[dict[str, Any]] = []
        self._file_numbers = itertools.count(1)

    def _enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        return self.updates.add(update)

    # -- bot and updates -----------------------------------------------------------

    def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True, "can_connect_to_business": False, "has_main_web_app": False,
        }

    def api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    def api_close(self, params: dict[str, Any]) -> bool:
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook["url"]:
            raise ApiError(409, WEBHOOK_CONFLICT)
        return await self.updates.get_updates(params)

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        """Accepts plain http URLs on any port, unlike Telegram, so tests can listen locally."""
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if url and not re.match(r"^https?://", url):
            raise bad_request("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret not in (None, "") and not _SECRET.match(str(secret)):
            raise bad_request("Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        self.updates.set_allowed(params.get("allowed_updates"))
        self.webhook = {
            "url": url, "secret_token": secret or None,
            "max_connections": int(params.get("max_connections") or 40),
        }
        if url:
            self.updates.terminate_poller(SET_WEBHOOK_CONFLICT)
        return True

    def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        self.webhook = {"url": "", "secret_token": None, "max_connections": 40}
        return True

    def api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"], "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending),
        }
        if self.webhook["url"]:
            info["max_connections"] = self.webhook["max_connections"]
        if self.updates.allowed_updates is not None:
            info["allowed_updates"] = sorted(self.updates.allowed_updates)
        if self.webhook_last_error:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    # -- messages ------------------------------------------------------------------

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = check_reply_markup(params.get("reply_markup"))
        html = check_text(params.get("text"), params.get("parse_mode"))
        chat = self.require_chat(params.get("chat_id"))
        reply_to = self._reply_target(chat, params)
        self.require_reachable(chat)
        text, entities = self._render(html, params)
        message = SentMessage(
            chat_id=chat.id, message_id=chat.next_message_id(), text=text, html=html,
            parse_mode=params.get("parse_mode"), entities=entities, reply_markup=markup,
            date=now(), reply_to_message_id=reply_to,
        )
        self.store_sent(message)
        return self.message_dict(message)

    def api_sendPoll(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = check_reply_markup(params.get("reply_markup"))
        poll = check_poll(params)
        chat = self.require_chat(params.get("chat_id"))
        check_poll_chat(poll, chat.type)
        reply_to = self._reply_target(chat, params)
        self.require_reachable(chat)
        poll["id"] = str(next(self._ids) * 6151 + 5_300_000_000_000_000_000)
        if "open_period" in poll:
            poll["close_date"] = now() + poll["open_period"]
        message = SentMessage(
            chat_id=chat.id, message_id=chat.next_message_id(), text="", html="", parse_mode=None,
            entities=[], reply_markup=markup, date=now(), reply_to_message_id=reply_to, poll=poll,
        )
        self.store_sent(message)
        self.poll_messages[poll["id"]] = message
        return self.message_dict(message)

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = check_reply_markup(params.get("reply_markup"))
        html = check_text(params.get("text"), params.get("parse_mode"))
        if params.get("inline_message_id"):
            self.inline_message_edits.append({**params, "method": "editMessageText"})
            return True
        message = self._editable(params)
        if message.photo is not None:
            raise bad_request("Bad Request: there is no text in the message to edit")
        text, entities = self._render(html, params)
        # Without reply_markup the edit removes the keyboard, as in Telegram.
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        message.text, message.html, message.entities = text, html, entities
        message.parse_mode, message.reply_markup = params.get("parse_mode"), markup
        self._mark_edited(message)
        return self.message_dict(message)

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = check_reply_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            self.inline_message_edits.append({**params, "method": "editMessageReplyMarkup"})
            return True
        message = self._editable(params)
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        self._mark_edited(message)
        return self.message_dict(message)

    def api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat = self.require_chat(params.get("chat_id"))
        message = self.find_sent(chat.id, params.get("message_id"))
        if message is None:
            raise bad_request("Bad Request: message to delete not found")
        message.deleted = True
        return True

    def api_sendChatAction(self, params: dict[str, Any]) -> bool:
        chat = self.require_chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("Bad Request: wrong parameter action in request")
        self.require_reachable(chat)
        self.chat_actions.append({"chat_id": chat.id, "action": params["action"], "at": now()})
        return True

    # -- photos --------------------------------------------------------------------

    def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        """A new upload (multipart) or a file_id Telegram gave before; URLs are not fetched here."""
        markup = check_reply_markup(params.get("reply_markup"))
        html = check_caption(params.get("caption"), params.get("parse_mode"))
        chat = self.require_chat(params.get("chat_id"))
        reply_to = self._reply_target(chat, params)
        sizes = self._photo(params.get("photo"))
        self.require_reachable(chat)
        text, entities = formatted_text(html, html=is_html(params.get("parse_mode"))) if html else ("", [])
        if not params.get("parse_mode") and isinstance(params.get("caption_entities"), list):
            entities = params["caption_entities"]
        message = SentMessage(
            chat_id=chat.id, message_id=chat.next_message_id(), text=text, html=html,
            parse_mode=params.get("parse_mode"), entities=entities, reply_markup=markup,
            date=now(), reply_to_message_id=reply_to, photo=sizes,
        )
        self.store_sent(message)
        return self.message_dict(message)

    def _photo(self, photo: Any) -> list[dict[str, Any]]:
        if isinstance(photo, dict):
            return self._store_photo(*check_photo_upload(photo), photo.get("size", 0))
        if not photo:
            raise bad_request("Bad Request: there is no photo in the request")
        if str(photo) not in self.files:
            raise bad_request("Bad Request: wrong file identifier/HTTP URL specified")
        return self.files[str(photo)]

    def _store_photo(self, width: int, height: int, size: int) -> list[dict[str, Any]]:
        """Telegram's sizes of a new photo, each with a file_id that sends it again."""
        number, longest, sizes = next(self._file_numbers), max(width, height), []
        for letter, side in PHOTO_SIDES:
            scale = min(1.0, side / longest)
            sizes.append({
                "file_id": f"AgACAgIAAxkDAAIB{number:06d}{letter}", "file_unique_id": f"AQAD{number:06d}{letter}",
                "width": max(1, round(width * scale)), "height": max(1, round(height * scale)),
                "file_size": round(size * scale * scale),
            })
            if scale == 1.0:
                break
        for photo_size in sizes:
            self.files[photo_size["file_id"]] = sizes
        return sizes

    def forget_files(self) -> None:
        """Telegram no longer knows any file_id it gave (as after a bot moves to another data centre)."""
        self.files.clear()

    def photo_uploads(self) -> list[dict[str, Any]]:
        """The sendPhoto calls that uploaded a file (not a file_id) and succeeded."""
        return [c.params for c in self.calls
                if c.method == "sendPhoto" and c.ok and isinstance(c.params.get("photo"), dict)]

    def _render(self, html: str, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """Telegram's stored text and entities (explicit entities only without parse_mode)."""
        text, entities = formatted_text(html, html=is_html(params.get("parse_mode")))
        if not params.get("parse_mode") and isinstance(params.get("entities"), list):
            entities = params["entities"]
        return text, entities

    def _reply_target(self, chat: Chat, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        message_id = message_id or params.get("reply_to_message_id")
        if message_id is None or self.find_message(chat.id, message_id):
            return message_id
        allowed = isinstance(reply, dict) and reply.get("allow_sending_without_reply")
        if params.get("allow_sending_without_reply") or allowed:
            return None
        raise bad_request("Bad Request: message to be replied not found")

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        chat = self.require_chat(params.get("chat_id"))
        if params.get("message_id") in (None, ""):
            raise bad_request("Bad Request: message identifier is not specified")
        self.require_reachable(chat)
        message = self.find_sent(chat.id, params.get("message_id"))
        if message is not None:
            return message
        if params.get("message_id") in chat.history:
            raise bad_request("Bad Request: message can't be edited")
        raise bad_request("Bad Request: message to edit not found")

    @staticmethod
    def _mark_edited(message: SentMessage) -> None:
        message.edit_count += 1
        message.edit_date = now()

    # -- queries -------------------------------------------------------------------

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        check_callback_answer_text(params.get("text"))
        query_id = str(params.get("callback_query_id") or "")
        if self.open_callback_queries.pop(query_id, None) is None:
            raise bad_request(QUERY_INVALID)
        keys = ("callback_query_id", "text", "show_alert", "url", "cache_time")
        self.callback_answers.append({key: params.get(key) for key in keys})
        return True

    def api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        check_inline_answer(params)
        query_id = str(params.get("inline_query_id") or "")
        if self.open_inline_queries.pop(query_id, None) is None:
            raise bad_request(QUERY_INVALID)
        keys = ("inline_query_id", "results", "next_offset", "cache_time", "is_personal", "button")
        self.inline_answers.append({key: params.get(key) for key in keys})
        return True

    # -- commands ------------------------------------------------------------------

    def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands[_scope_key(params)] = check_commands(params.get("commands"))
        return True

    def api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands.get(_scope_key(params), [])

    def api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(_scope_key(params), None)
        return True

    # -- the bot's profile ---------------------------------------------------------

    def api_setMyDescription(self, params: dict[str, Any]) -> bool:
        text = check_description(params.get("description"), MAX_DESCRIPTION, "description")
        self.descriptions[("description", str(params.get("language_code") or ""))] = text
        return True

    def api_getMyDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self.my_description(str(params.get("language_code") or ""))}

    def api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        text = check_description(params.get("short_description"), MAX_SHORT_DESCRIPTION, "short description")
        self.descriptions[("short_description", str(params.get("language_code") or ""))] = text
        return True

    def api_getMyShortDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return {"short_description": self.my_description(str(params.get("language_code") or ""), short=True)}

    def my_description(self, language_code: str = "", *, short: bool = False) -> str:
        """The description (or short description) set for a language ("" for all), for assertions."""
        return self.descriptions.get(("short_description" if short else "description", language_code), "")

    def my_commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        """The commands set for a scope (default scope when None), for assertions."""
        return self.commands.get(_scope_key({"scope": scope, "language_code": language_code}), [])


def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")
