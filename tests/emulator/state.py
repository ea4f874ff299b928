"""What the emulated Telegram knows: chats, messages, queries, updates.

Why a separate, synchronous part: tests inject updates and read the bot's
messages with plain function calls, and the HTTP side only needs to look
things up here; keeping both on one object keeps them consistent.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import BLOCKED, ApiError, bad_request

_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
# Telegram leaves these out unless allowed_updates names them.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def now() -> int:
    return int(time.time())


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def auto_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention entities Telegram adds to a user's text."""
    found = [("bot_command", m) for m in _COMMAND.finditer(text)]
    found += [("mention", m) for m in _MENTION.finditer(text)]
    found.sort(key=lambda item: item[1].start())
    return [
        {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for kind, m in found
    ]


@dataclass
class Chat:
    """A chat the emulated Telegram knows; unknown chats answer "chat not found"."""

    id: int
    type: str = "private"
    title: str = ""
    first_name: str = "Ann"
    username: str | None = None
    blocked: bool = False
    last_message_id: int = 0
    history: dict[int, dict[str, Any]] = field(default_factory=dict)  # user messages

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name
        else:
            data["title"] = self.title or f"Chat {self.id}"
        if self.username:
            data["username"] = self.username
        return data

    def next_message_id(self) -> int:
        """Message ids count up per chat, shared by the user's and the bot's messages."""
        self.last_message_id += 1
        return self.last_message_id


@dataclass
class SentMessage:
    """A message the bot sent, as it is now (after edits)."""

    chat_id: int
    message_id: int
    text: str  # what users see: parsed, cleaned and trimmed like Telegram does (a photo's caption)
    html: str  # the text exactly as the bot sent it
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    date: int
    reply_to_message_id: int | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    photo: list[dict[str, Any]] | None = None
    """A photo message's sizes (PhotoSize objects), smallest first; None for a text message."""
    poll: dict[str, Any] | None = None
    """A poll message's Poll (sendPoll); its text is then empty."""

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, row by row, for quick assertions."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass
class CallRecord:
    """One API call as the emulator saw it (faulted calls included)."""

    method: str
    params: dict[str, Any]
    status: int  # HTTP status answered; 0 when no answer was sent (drop, disconnect)
    description: str | None  # error description, or None on success
    fault: str | None = None  # the fault kind when the emulator failed the call on purpose
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


class World:
    """The emulated Telegram's state plus the test API to inject and read it."""

    def __init__(self, *, bot_id: int, bot_username: str) -> None:
        self.bot_user: dict[str, Any] = {
            "id": bot_id, "is_bot": True, "first_name": "KPO Test Bot", "username": bot_username,
        }
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self._sent: dict[int, list[SentMessage]] = {}
        self._sent_in_order: list[SentMessage] = []
        self._ids = itertools.count(1)
        self.open_callback_queries: dict[str, dict[str, Any]] = {}
        self.open_inline_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.inline_answers: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        """(field, language_code) -> the bot's description or short description."""
        self.files: dict[str, list[dict[str, Any]]] = {}
        """file_id -> the sizes of the photo it names, for sending it again without an upload."""
        self.calls: list[CallRecord] = []
        self.poll_messages: dict[str, SentMessage] = {}
        self.poll_votes: dict[str, dict[int, list[int]]] = {}
        """Poll id -> user id -> the options they chose."""

    # -- hooks the server overrides ------------------------------------------------

    def _enqueue(self, update: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    # -- chats and users -----------------------------------------------------------

    def add_chat(
        self, chat_id: int, *, chat_type: str = "private", title: str = "",
        first_name: str = "Ann", username: str | None = None,
    ) -> Chat:
        """Make a chat known (sending to an unknown chat answers "chat not found")."""
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = Chat(chat_id, chat_type, title, first_name, username)
            self.chats[chat_id] = chat
        return chat

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot (or kicked it): sends and edits answer 403 until
        :meth:`unblock_chat`; injected user messages do not unblock it."""
        self.add_chat(chat_id).blocked = True

    def unblock_chat(self, chat_id: int) -> None:
        self.add_chat(chat_id).blocked = False

    def _user(self, user_id: int, first_name: str = "Ann", username: str | None = None) -> dict[str, Any]:
        user = self.users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        )
        if username:
            user["username"] = username
        return user

    def _default_user_id(self, chat_id: int, user_id: int | None) -> int:
        """In a private chat the user's id is the chat's id; in groups default to 1001."""
        if user_id is not None:
            return user_id
        return chat_id if chat_id > 0 else 1001

    def require_chat(self, chat_id: Any) -> Chat:
        """The chat a call names, or Telegram's 400."""
        if chat_id in (None, ""):
            raise bad_request("Bad Request: chat_id is empty")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else self._chat_by_username(chat_id)
        if chat is None:
            raise bad_request("Bad Request: chat not found")
        return chat

    def _chat_by_username(self, name: Any) -> Chat | None:
        wanted = str(name).lstrip("@").lower()
        return next((c for c in self.chats.values() if (c.username or "").lower() == wanted), None)

    @staticmethod
    def require_reachable(chat: Chat) -> None:
        """A chat that blocked or removed the bot answers 403."""
        if chat.blocked:
            raise ApiError(403, _blocked_description(chat.type))

    # -- the bot's messages --------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in that chat, in send order, as they are now."""
        return [m for m in self._sent.get(chat_id, []) if not m.deleted]

    def all_messages(self) -> list[SentMessage]:
        """Every message the bot sent (not deleted), in send order across chats."""
        return [m for m in self._sent_in_order if not m.deleted]

    def store_sent(self, message: SentMessage) -> None:
        self._sent.setdefault(message.chat_id, []).append(message)
        self._sent_in_order.append(message)

    def find_sent(self, chat_id: int, message_id: Any) -> SentMessage | None:
        return next((m for m in self.messages(chat_id) if m.message_id == message_id), None)

    def message_dict(self, message: SentMessage) -> dict[str, Any]:
        """The Message object Telegram answers for a bot message."""
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self.chats[message.chat_id].to_api(),
            "date": message.date,
        }
        if message.poll is not None:
            data["poll"] = self.poll_state(message)
        elif message.photo is None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        else:
            data["photo"] = message.photo
            if message.text:
                data["caption"] = message.text
            if message.entities:
                data["caption_entities"] = message.entities
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edit_date:
            data["edit_date"] = message.edit_date
        replied = self.find_message(message.chat_id, message.reply_to_message_id)
        if replied:
            data["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        return data

    # -- polls ---------------------------------------------------------------------

    def polls(self, chat_id: int) -> list[SentMessage]:
        """The bot's poll messages in that chat, in send order."""
        return [m for m in self.messages(chat_id) if m.poll is not None]

    @staticmethod
    def poll_closed(message: SentMessage) -> bool:
        """Closed by stopPoll, or its open_period is over."""
        poll = message.poll or {}
        return bool(poll.get("is_closed")) or ("close_date" in poll and time.time() >= poll["close_date"])

    def poll_state(self, message: SentMessage) -> dict[str, Any]:
        """The Poll as Telegram shows it now: votes counted, closed once its time is up."""
        assert message.poll is not None
        return {**message.poll, "is_closed": self.poll_closed(message)}

    def answer_poll(self, poll_id: str, user_id: int, option_ids: list[int], *,
                    first_name: str = "Ann") -> dict[str, Any]:
        """A user votes in one of the bot's polls. Telegram then sends the poll's new state (a
        ``poll`` update) and, only for a non-anonymous poll, a ``poll_answer`` update.

        Raises ValueError for what Telegram's clients do not let anyone do: vote in a
        closed poll, vote twice or take back a vote in a quiz, pick a missing option.
        """
        message = self.poll_messages.get(poll_id)
        if message is None or message.poll is None:
            raise ValueError(f"no poll {poll_id!r} was sent")
        poll, votes = message.poll, self.poll_votes.setdefault(poll_id, {})
        if self.poll_closed(message):
            raise ValueError(f"poll {poll_id} is closed")
        chosen = sorted(set(option_ids))
        single = not poll["allows_multiple_answers"]
        if any(not 0 <= o < len(poll["options"]) for o in chosen) or (single and len(chosen) > 1):
            raise ValueError(f"options {option_ids} cannot be chosen in poll {poll_id}")
        if (user_id in votes or not chosen) and not poll["allows_revoting"]:
            raise ValueError("this poll's answers cannot be changed or taken back (a quiz's never)")
        for option in votes.pop(user_id, []):
            poll["options"][option]["voter_count"] -= 1
        if chosen:
            votes[user_id] = chosen
        for option in chosen:
            poll["options"][option]["voter_count"] += 1
        poll["total_voter_count"] = len(votes)
        self._enqueue({"poll": self.poll_state(message)})
        if poll["is_anonymous"]:
            return {}
        user = self._user(user_id, first_name)
        persistent = [poll["options"][o]["persistent_id"] for o in chosen]
        return self._enqueue({"poll_answer": {"poll_id": poll_id, "user": user, "option_ids": chosen,
                                              "option_persistent_ids": persistent}})

    def find_message(self, chat_id: int, message_id: Any) -> dict[str, Any] | None:
        """Any message (the user's or the bot's) as a Message dict, or None."""
        if message_id is None or chat_id not in self.chats:
            return None
        sent = self.find_sent(chat_id, message_id)
        if sent:
            return self.message_dict(sent)
        return self.chats[chat_id].history.get(message_id)

    # -- injecting updates ---------------------------------------------------------

    def inject(self, update_fields: dict[str, Any]) -> dict[str, Any]:
        """Queue any update; ``update_id`` is assigned. Returns the update."""
        return self._enqueue(dict(update_fields))

    def user_message(
        self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str = "private",
        first_name: str = "Ann", reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text``; commands and @mentions get their entities."""
        message = self._new_user_message(chat_id, user_id, chat_type, first_name, reply_to_message_id)
        message["text"] = text
        entities = auto_entities(text)
        if entities:
            message["entities"] = entities
        return self._enqueue({"message": message})

    def sticker(
        self, chat_id: int, *, emoji: str = "👍", user_id: int | None = None, chat_type: str = "private",
    ) -> dict[str, Any]:
        """A user sends a sticker (a message without text)."""
        message = self._new_user_message(chat_id, user_id, chat_type, "Ann", None)
        unique = f"sticker{message['message_id']}"
        message["sticker"] = {
            "file_id": f"CAACAg{unique}", "file_unique_id": unique, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji,
        }
        return self._enqueue({"message": message})

    def photo(
        self, chat_id: int, *, caption: str | None = None, user_id: int | None = None, chat_type: str = "private",
    ) -> dict[str, Any]:
        """A user sends a photo, optionally with a caption."""
        message = self._new_user_message(chat_id, user_id, chat_type, "Ann", None)
        unique = f"photo{message['message_id']}"
        message["photo"] = [
            {"file_id": f"AgAC{unique}{size}", "file_unique_id": f"{unique}{size}", "width": side, "height": side}
            for size, side in (("s", 90), ("m", 800))
        ]
        if caption is not None:
            message["caption"] = caption
            entities = auto_entities(caption)
            if entities:
                message["caption_entities"] = entities
        return self._enqueue({"message": message})

    def edited_message(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The user edits one of their earlier text messages."""
        original = self.chats[chat_id].history[message_id]
        edited = {**original, "text": text, "edit_date": now()}
        edited.pop("entities", None)
        if auto_entities(text):
            edited["entities"] = auto_entities(text)
        self.chats[chat_id].history[message_id] = edited
        return self._enqueue({"edited_message": edited})

    def channel_post(self, chat_id: int, text: str, *, title: str = "KPO channel") -> dict[str, Any]:
        """A post in a channel where the bot is an administrator."""
        chat = self.add_chat(chat_id, chat_type="channel", title=title)
        post = {
            "message_id": chat.next_message_id(), "date": now(), "chat": chat.to_api(),
            "sender_chat": chat.to_api(), "text": text,
        }
        if auto_entities(text):
            post["entities"] = auto_entities(text)
        chat.history[post["message_id"]] = post
        return self._enqueue({"channel_post": post})

    def press_button(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None) -> dict[str, Any]:
        """A user presses an inline button carrying ``data`` under one of the bot's messages."""
        message = self.find_message(chat_id, message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id} to press a button under")
        user = self._user(self._default_user_id(chat_id, user_id))
        query_id = str(next(self._ids) * 7919 + 4_000_000_000)
        query = {
            "id": query_id, "from": user, "chat_instance": str(abs(chat_id) * 31 + 17),
            "message": message, "data": data,
        }
        self.open_callback_queries[query_id] = query
        return self._enqueue({"callback_query": query})

    def inline_query(
        self, user_id: int, query: str, *, offset: str = "", chat_type: str | None = "private",
    ) -> dict[str, Any]:
        """A user types ``@bot query`` (at most 256 characters, as in Telegram's clients)."""
        if len(query) > 256:
            raise ValueError("Telegram's clients send inline queries of at most 256 characters")
        inline: dict[str, Any] = {
            "id": str(next(self._ids) * 104729 + 5_000_000_000), "from": self._user(user_id),
            "query": query, "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        self.open_inline_queries[inline["id"]] = inline
        return self._enqueue({"inline_query": inline})

    def _new_user_message(
        self, chat_id: int, user_id: int | None, chat_type: str, first_name: str, reply_to: int | None,
    ) -> dict[str, Any]:
        uid = self._default_user_id(chat_id, user_id)
        chat = self.add_chat(chat_id, chat_type=chat_type, first_name=first_name)
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(), "from": self._user(uid, first_name),
            "chat": chat.to_api(), "date": now(),
        }
        replied = self.find_message(chat_id, reply_to)
        if reply_to is not None and replied is None:
            raise KeyError(f"no message {reply_to} in chat {chat_id} to reply to")
        if replied:
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        chat.history[message["message_id"]] = message
        return message


def _blocked_description(chat_type: str) -> str:
    return BLOCKED.get(chat_type, BLOCKED["private"])


def update_type(update: dict[str, Any]) -> str:
    """The kind of an update: its one key besides update_id."""
    return next((k for k in update if k != "update_id"), "")
