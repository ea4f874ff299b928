"""The checks Telegram makes on what a bot sends, with Telegram's answers.

Why: a bug that Telegram would reject (a 65-byte callback_data, a ninth
button in a row, a stray ``<`` in HTML) must fail in the tests exactly as it
would fail in production, not pass silently.  Where Telegram's wording is
known it is used; the few emulator-only refusals are marked.
"""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image, UnidentifiedImageError
from telegram.constants import (
    BotCommandLimit,
    BotDescriptionLimit,
    FileSizeLimit,
    CallbackQueryLimit,
    InlineKeyboardButtonLimit,
    InlineKeyboardMarkupLimit,
    InlineQueryLimit,
    InlineQueryResultLimit,
    PollLimit,
)

from bot.tghtml import UTF8_ERROR, TelegramHTMLError

from .errors import bad_request
from .telegram_text import caption_error, formatted_text, message_text_error

MAX_ROW_BUTTONS = InlineKeyboardMarkupLimit.BUTTONS_PER_ROW
MAX_BUTTONS = InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER
MAX_CALLBACK_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_CALLBACK_TEXT = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
MAX_INLINE_RESULTS = InlineQueryLimit.RESULTS
MAX_RESULT_ID = InlineQueryResultLimit.MAX_ID_LENGTH
MAX_NEXT_OFFSET = InlineQueryLimit.MAX_OFFSET_LENGTH
MAX_COMMANDS = BotCommandLimit.MAX_COMMAND_NUMBER
MAX_COMMAND_DESCRIPTION = BotCommandLimit.MAX_DESCRIPTION
MAX_PHOTO_BYTES = FileSizeLimit.PHOTOSIZE_UPLOAD
MAX_PHOTO_SIDES = 10_000
"""A photo's width + height (sendPhoto's documentation)."""
MAX_PHOTO_RATIO = 20
MAX_DESCRIPTION = BotDescriptionLimit.MAX_DESCRIPTION_LENGTH
MAX_SHORT_DESCRIPTION = BotDescriptionLimit.MAX_SHORT_DESCRIPTION_LENGTH
MAX_POLL_QUESTION = PollLimit.MAX_QUESTION_LENGTH
MIN_POLL_OPTIONS = 2
"""Bot API 9.6 (PTB's PollLimit.MIN_OPTION_NUMBER) allows one option; a quiz of one is no quiz, and
servers before 9.6 refuse it, so the emulator keeps the older floor and wording."""
MAX_POLL_OPTIONS = PollLimit.MAX_OPTION_NUMBER
MAX_POLL_OPTION = PollLimit.MAX_OPTION_LENGTH
MAX_EXPLANATION = PollLimit.MAX_EXPLANATION_LENGTH
MAX_EXPLANATION_LINE_FEEDS = PollLimit.MAX_EXPLANATION_LINE_FEEDS
MIN_OPEN_PERIOD = PollLimit.MIN_OPEN_PERIOD
MAX_OPEN_PERIOD = PollLimit.MAX_OPEN_PERIOD
_ACTIONS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "login_url", "web_app", "callback_game", "pay",
    "copy_text",
)
_EMPTY_MEANS_ABSENT = frozenset({"callback_data", "url"})
_BUTTON = "Bad Request: can't parse inline keyboard button: "
_START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_URL = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)


def is_html(parse_mode: Any) -> bool:
    """Telegram reads parse_mode case-insensitively."""
    return isinstance(parse_mode, str) and parse_mode.lower() == "html"


def check_parse_mode(parse_mode: Any) -> None:
    """Only HTML is parsed by the emulator; Markdown modes are stored as plain text."""
    if parse_mode not in (None, "") and str(parse_mode).lower() not in ("html", "markdown", "markdownv2"):
        raise bad_request(f"Bad Request: unsupported parse_mode {parse_mode}")


def check_text(text: Any, parse_mode: Any) -> str:
    """A message text Telegram would accept, or the ApiError Telegram would answer."""
    check_parse_mode(parse_mode)
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    error = message_text_error(text, html=is_html(parse_mode))
    if error:
        raise bad_request(error)
    return text


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate any reply_markup; return what Telegram echoes in the Message.

    Only an inline keyboard is echoed back; reply keyboards, keyboard removal
    and force-reply are accepted but never appear in Message.reply_markup.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup["inline_keyboard"])
        return {"inline_keyboard": markup["inline_keyboard"]}
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request("Bad Request: can't parse reply keyboard markup JSON object")
    return None


def check_inline_keyboard(rows: Any) -> None:
    """At most 8 buttons a row and 100 in all; every button valid."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    if any(len(row) > MAX_ROW_BUTTONS for row in rows) or sum(map(len, rows)) > MAX_BUTTONS:
        raise bad_request("Bad Request: reply markup is too long")
    for row in rows:
        for button in row:
            check_inline_button(button)


def check_inline_button(button: Any) -> None:
    """Text plus exactly one action; callback_data 1-64 bytes."""
    if not isinstance(button, dict):
        raise bad_request(_BUTTON + "InlineKeyboardButton must be an Object")
    _check_button_text(button)
    actions = [
        name for name in _ACTIONS
        if name in button and not (name in _EMPTY_MEANS_ABSENT and button[name] in ("", None))
    ]
    if not actions:
        raise bad_request(_BUTTON + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:  # emulator-only: Telegram silently uses the first one
        raise bad_request(_BUTTON + "exactly one of the optional fields must be used")
    data = button.get("callback_data")
    if data is not None and (not isinstance(data, str) or len(data.encode("utf-8")) > MAX_CALLBACK_DATA):
        raise bad_request("Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not _URL.match(str(url)):
        raise bad_request("Bad Request: BUTTON_URL_INVALID")


def _check_button_text(button: dict[str, Any]) -> None:
    if "text" not in button:
        raise bad_request(_BUTTON + 'Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise bad_request(_BUTTON + 'Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("Bad Request: BUTTON_TEXT_INVALID")


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('Bad Request: field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text.strip():
                raise bad_request("Bad Request: BUTTON_TEXT_INVALID")


def check_callback_answer_text(text: Any) -> None:
    """answerCallbackQuery's notification: at most 200 characters."""
    if text is not None and len(str(text)) > MAX_CALLBACK_TEXT:
        raise bad_request("Bad Request: MESSAGE_TOO_LONG")


def check_inline_answer(params: dict[str, Any]) -> None:
    """answerInlineQuery: the results, next_offset and button."""
    results = params.get("results")
    if not isinstance(results, list):
        raise bad_request('Bad Request: field "results" must be an Array')
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("Bad Request: RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        _check_result(result, seen)
    next_offset = params.get("next_offset")
    if next_offset is not None and len(str(next_offset).encode("utf-8")) > MAX_NEXT_OFFSET:
        raise bad_request("Bad Request: NEXT_OFFSET_INVALID")
    if params.get("button") is not None:
        _check_results_button(params["button"])


def _check_result(result: Any, seen: set[str]) -> None:
    """One InlineQueryResult: unique id of 1-64 bytes; an article needs its fields."""
    if not isinstance(result, dict) or "type" not in result:
        raise bad_request("Bad Request: can't parse inline query result: Can't find field \"type\"")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= MAX_RESULT_ID:
        raise bad_request("Bad Request: RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("Bad Request: RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if result["type"] == "article":
        _check_article(result)
    if result.get("reply_markup") is not None:
        markup = result["reply_markup"]
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            raise bad_request("Bad Request: can't parse inline query result: inline keyboard expected")
        check_inline_keyboard(markup["inline_keyboard"])


def _check_article(result: dict[str, Any]) -> None:
    for field in ("title", "input_message_content"):
        if field not in result:
            raise bad_request(f'Bad Request: can\'t parse inline query result: Can\'t find field "{field}"')
    if not isinstance(result["title"], str) or not result["title"].strip():
        raise bad_request("Bad Request: RESULT_TITLE_EMPTY")
    content = result["input_message_content"]
    if not isinstance(content, dict):
        raise bad_request("Bad Request: can't parse inline query result: InputMessageContent must be an Object")
    if "message_text" in content:
        check_text(content["message_text"], content.get("parse_mode"))


def _check_results_button(button: Any) -> None:
    """InlineQueryResultsButton: text plus a start_parameter of 1-64 [A-Za-z0-9_-]."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('Bad Request: can\'t parse InlineQueryResultsButton: Can\'t find field "text"')
    if "web_app" in button:
        return
    if not _START_PARAMETER.match(str(button.get("start_parameter", ""))):
        raise bad_request("Bad Request: START_PARAM_INVALID")


def check_commands(commands: Any) -> list[dict[str, str]]:
    """setMyCommands: at most 100 commands of 1-32 [a-z0-9_], descriptions 1-256."""
    if not isinstance(commands, list):
        raise bad_request('Bad Request: field "commands" must be an Array')
    if len(commands) > MAX_COMMANDS:
        raise bad_request("Bad Request: BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command", ""))):
            raise bad_request("Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= MAX_COMMAND_DESCRIPTION:
            raise bad_request("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": c["command"], "description": c["description"]} for c in commands]


def check_caption(caption: Any, parse_mode: Any) -> str:
    """A photo's caption Telegram would accept (empty is fine), or Telegram's ApiError."""
    check_parse_mode(parse_mode)
    text = "" if caption is None else str(caption)
    error = caption_error(text, html=is_html(parse_mode))
    if error:
        raise bad_request(error)
    return text


def check_photo_upload(upload: dict[str, Any]) -> tuple[int, int]:
    """An uploaded photo's (width, height): at most 10 MB, width + height at most 10,000,
    sides at most 20 times each other, and an image at all."""
    data = upload.get("data", b"")
    if len(data) > MAX_PHOTO_BYTES:
        raise bad_request("Bad Request: PHOTO_SAVE_FILE_INVALID")  # Telegram's code for a photo over 10 MB
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        raise bad_request("Bad Request: IMAGE_PROCESS_FAILED") from None
    if width + height > MAX_PHOTO_SIDES or max(width / height, height / width) > MAX_PHOTO_RATIO:
        raise bad_request("Bad Request: PHOTO_INVALID_DIMENSIONS")
    return width, height


def check_description(value: Any, limit: int, kind: str) -> str:
    """setMyDescription / setMyShortDescription: 0-512 or 0-120 characters (empty removes it).

    Emulator wording: Telegram's exact description for a long one is not documented."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        raise bad_request(f"Bad Request: {kind} is too long")
    return text
def check_poll(params: dict[str, Any]) -> dict[str, Any]:
    """sendPoll's question, options, type and timing, in the order the Bot API server and
    TDLib check them; return the Poll Telegram stores (without its id and dates).

    Texts are counted after entity parsing, as Telegram counts them; each takes its
    own parse mode (question_parse_mode, an option's text_parse_mode,
    explanation_parse_mode), which PTB fills from its Defaults.
    """
    question, question_entities = _poll_text(params.get("question"), params.get("question_parse_mode"))
    if len(question) > MAX_POLL_QUESTION:
        raise bad_request(f"Bad Request: Poll question length must not exceed {MAX_POLL_QUESTION}")
    options = [_poll_option(option, n) for n, option in enumerate(_option_list(params.get("options")))]
    if len(options) < MIN_POLL_OPTIONS:
        raise bad_request("Bad Request: Poll must have at least 2 option")
    if len(options) > MAX_POLL_OPTIONS:
        raise bad_request(f"Bad Request: Poll can't have more than {MAX_POLL_OPTIONS} options")
    poll_type = params.get("type") or "regular"
    if poll_type not in ("quiz", "regular"):
        raise bad_request("Bad Request: Unsupported poll type specified")
    poll: dict[str, Any] = {
        "question": question, "options": options, "total_voter_count": 0,
        "is_anonymous": params.get("is_anonymous", True) is not False, "type": poll_type,
        "allows_multiple_answers": poll_type == "regular" and bool(params.get("allows_multiple_answers")),
        "allows_revoting": bool(params.get("allows_revoting", poll_type != "quiz")), "members_only": False,
    }
    if question_entities:
        poll["question_entities"] = question_entities
    if poll_type == "quiz":
        poll.update(_quiz_answer(params, len(options)))
    open_period = params.get("open_period")
    if open_period not in (None, "", 0):
        if not isinstance(open_period, int) or not MIN_OPEN_PERIOD <= open_period <= MAX_OPEN_PERIOD:
            # emulator wording: the Bot API documents 5 to 600 seconds (PTB's PollLimit: the current upper bound)
            raise bad_request(f"Bad Request: open_period must be {MIN_OPEN_PERIOD} to {MAX_OPEN_PERIOD} seconds")
        poll["open_period"] = open_period
    return poll


def _correct_options(params: dict[str, Any]) -> list[int]:
    ids = params.get("correct_option_ids")
    if ids is None:
        single = params.get("correct_option_id")
        return [] if single in (None, "") else [single if isinstance(single, int) else -1]
    if not isinstance(ids, list):
        raise bad_request("Bad Request: Expected an Array of correct option identifiers")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise bad_request("Bad Request: Correct option identifier must be of type Number")
    return list(ids)


def check_poll_chat(poll: dict[str, Any], chat_type: str) -> None:
    """Polls in channels are always anonymous."""
    if chat_type == "channel" and not poll["is_anonymous"]:
        raise bad_request("Bad Request: Non-anonymous polls can't be sent to channel chats")


def _poll_text(text: Any, parse_mode: Any, *, allow_empty: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """A question, option or explanation as Telegram stores it, or Telegram's refusal."""
    check_parse_mode(parse_mode)
    text = "" if text is None else str(text)
    try:
        plain, entities = formatted_text(text, html=is_html(parse_mode))
    except TelegramHTMLError as exc:
        if exc.reason == UTF8_ERROR:
            raise bad_request("Bad Request: strings must be encoded in UTF-8") from None
        raise bad_request(f"Bad Request: can't parse entities: {exc.reason}") from None
    if not plain.strip() and not allow_empty:
        raise bad_request("Bad Request: Text must be non-empty")
    return plain, entities


def _option_list(options: Any) -> list[Any]:
    if not isinstance(options, list):
        raise bad_request("Bad Request: Expected an Array of String as options")
    return options


def _poll_option(option: Any, number: int) -> dict[str, Any]:
    """One answer option: a string, or an InputPollOption (PTB sends these, with text_parse_mode)."""
    if isinstance(option, dict):
        if not isinstance(option.get("text"), str):
            raise bad_request('Bad Request: Field "text" must be of type String')
        text, entities = _poll_text(option["text"], option.get("text_parse_mode"))
    elif isinstance(option, str):
        text, entities = _poll_text(option, None)
    else:
        raise bad_request("Bad Request: Expected an option to be of type String")
    if len(text) > MAX_POLL_OPTION:
        raise bad_request(f"Bad Request: Poll options length must not exceed {MAX_POLL_OPTION}")
    stored: dict[str, Any] = {"text": text, "voter_count": 0, "persistent_id": str(number)}
    if entities:
        stored["text_entities"] = entities
    return stored


def _quiz_answer(params: dict[str, Any], options: int) -> dict[str, Any]:
    """A quiz's right options and explanation. Bot API 9.6 takes correct_option_ids (PTB 22.8 sends
    only that) and still reads the older correct_option_id."""
    correct = _correct_options(params)
    if not correct:
        raise bad_request("Bad Request: Correct quiz option list must be non-empty")
    if any(a >= b for a, b in zip(correct, correct[1:])):
        raise bad_request("Bad Request: Correct quiz option list must be increasing")
    if not all(0 <= c < options for c in correct):
        raise bad_request("Bad Request: Wrong quiz correct_option_id")
    explanation, entities = _poll_text(params.get("explanation"), params.get("explanation_parse_mode"),
                                       allow_empty=True)
    # emulator wording for both: Telegram's own is not documented
    if len(explanation) > MAX_EXPLANATION:
        raise bad_request(f"Bad Request: poll explanation must not exceed {MAX_EXPLANATION} characters")
    if explanation.count("\n") > MAX_EXPLANATION_LINE_FEEDS:
        raise bad_request(f"Bad Request: poll explanation must not have more than "
                          f"{MAX_EXPLANATION_LINE_FEEDS} line feeds")
    quiz: dict[str, Any] = {"correct_option_ids": correct}
    if explanation:
        quiz["explanation"] = explanation
    if entities:
        quiz["explanation_entities"] = entities
    return quiz
