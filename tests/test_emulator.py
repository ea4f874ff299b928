"""The Bot API emulator must answer like Telegram, to raw HTTP and to PTB.

Each refusal is checked twice where it matters: the exact description on
the wire, and the exception python-telegram-bot raises for it, because the
bot's error handling keys on the latter.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, Defaults, ExtBot

from tests.emulator import BotAPIEmulator

TOKEN = "123456:TEST-token"
CHAT = 42
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as server:
        server.add_chat(CHAT)
        yield server


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[ExtBot[None]]:
    """A PTB bot with HTML as the default parse mode, as the real bot has."""
    async with ExtBot(TOKEN, base_url=emu.base_url, defaults=Defaults(parse_mode=ParseMode.HTML)) as ptb:
        yield ptb


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    session: aiohttp.ClientSession, emu: BotAPIEmulator, method: str, *, token: str = TOKEN,
    form: dict[str, Any] | None = None, body: Any = None, verb: str = "POST",
) -> tuple[int, dict[str, Any]]:
    """One raw HTTP call: form-encoded, JSON (``body``) or a bare GET."""
    url = f"{emu.base_url}{token}/{method}"
    async with session.request(verb, url, data=form, json=body) as response:
        return response.status, await response.json()


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


def last_error(emu: BotAPIEmulator) -> str | None:
    return emu.calls[-1].description


# -- transport ---------------------------------------------------------------------


async def test_raw_get_post_and_json_bodies(emu: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, emu, "getMe", verb="GET")
    assert (status, body["ok"], body["result"]["username"]) == (200, True, "kpo_test_bot")
    status, body = await call(http, emu, "sendMessage", form={"chat_id": "42", "text": "123"})
    assert status == 200 and body["result"]["text"] == "123"
    assert body["result"]["chat"]["id"] == CHAT
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    status, body = await call(http, emu, "sendMessage", body={"chat_id": CHAT, "text": "json", "reply_markup": markup})
    assert status == 200 and body["result"]["reply_markup"] == markup
    assert emu.calls[-1].params == {"chat_id": CHAT, "text": "json", "reply_markup": markup}


async def test_form_fields_are_typed_only_when_known(emu: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    form = {"chat_id": "42", "text": "007", "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "1"}]]}'}
    status, _ = await call(http, emu, "sendMessage", form=form)
    assert status == 200
    params = emu.calls[-1].params
    assert params["chat_id"] == 42 and params["text"] == "007" and params["disable_notification"] is True
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "1"


async def test_multipart_body(emu: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("text", "with a file part")
    form.add_field("document", b"data", filename="a.txt", content_type="text/plain")
    async with http.post(f"{emu.base_url}{TOKEN}/sendMessage", data=form) as response:
        assert response.status == 200
    assert emu.messages(CHAT)[-1].text == "with a file part"


async def test_wrong_token_and_unknown_method(emu: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    assert await call(http, emu, "getMe", token="123456:WRONG") == (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert await call(http, emu, "noSuchMethod") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})
    assert (await call(http, emu, "GETME"))[0] == 200  # method names ignore case
    assert (await call(http, emu, "getMe", token="not-a-token"))[0] == 404


async def test_ptb_maps_token_and_method_errors(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    wrong = Bot("123456:WRONG", base_url=emu.base_url)
    try:
        with pytest.raises(InvalidToken):
            await wrong.initialize()
    finally:
        await wrong.shutdown()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("no_such_method")


# -- message text and HTML -------------------------------------------------------------


async def test_html_errors_come_back_as_telegram_words_them(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(CHAT, "<p>KPO</p>")
    assert last_error(emu) == 'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 0'
    # PTB drops "Bad Request: " and str.capitalize()s the rest, lowering everything after it.
    assert caught.value.message == 'Can\'t parse entities: unsupported start tag "p" at byte offset 0'
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "<b>open")
    assert last_error(emu) == 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "<i><a href='https://x.io'>y</i></a>")
    assert last_error(emu) == (
        'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 27, expected "</a>", found "</i>"')
    assert emu.messages(CHAT) == []


async def test_plain_text_is_not_parsed(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await bot.send_message(CHAT, "a < b", parse_mode=None)
    assert sent.text == "a < b"


async def test_sent_message_is_stored_parsed_and_raw(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await bot.send_message(CHAT, "<b>KPO</b> &amp; BPO\n")
    assert sent.text == "KPO & BPO" and sent.entities[0].type == "bold"
    [stored] = emu.messages(CHAT)
    assert (stored.text, stored.html, stored.parse_mode) == ("KPO & BPO", "<b>KPO</b> &amp; BPO\n", "HTML")
    assert sent.from_user is not None and sent.from_user.username == "kpo_test_bot"


async def test_text_length_and_emptiness(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    await bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>")
    for text, description in [
        ("x" * 4097, "Bad Request: message is too long"),
        ("<b> </b>", "Bad Request: message text is empty"),
        (" \n ", "Bad Request: message text is empty"),
    ]:
        with pytest.raises(BadRequest):
            await bot.send_message(CHAT, text)
        assert last_error(emu) == description
    async with Bot(TOKEN, base_url=emu.base_url) as plain_bot:
        with pytest.raises(BadRequest, match="^Message text is empty$"):
            await plain_bot.send_message(CHAT, "")
    assert len(emu.messages(CHAT)) == 1


async def test_ptb_defaults_turn_an_empty_text_into_brackets(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    """PTB 22.8 quirk: with Defaults, ExtBot takes "" for an empty list of poll options
    and sends the text "[]", so an empty text is never refused: never send one."""
    sent = await bot.send_message(CHAT, "")
    assert sent.text == "[]" and emu.calls[-1].params["text"] == "[]"


async def test_message_ids_count_up_per_chat(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    emu.user_message(CHAT, "hi")
    first = await bot.send_message(CHAT, "one")
    emu.user_message(CHAT, "again")
    second = await bot.send_message(CHAT, "two")
    emu.user_message(7, "other chat")
    other = await bot.send_message(7, "three")
    assert (first.message_id, second.message_id, other.message_id) == (2, 4, 2)


async def test_reply_to_a_missing_message(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    update = emu.user_message(CHAT, "question")
    sent = await bot.send_message(CHAT, "answer", reply_to_message_id=update["message"]["message_id"])
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "question"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(CHAT, "answer", reply_to_message_id=999)


# -- chats -------------------------------------------------------------------------------


async def test_unknown_and_blocked_chats(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    with pytest.raises(BadRequest, match="^Chat not found$"):
        await bot.send_message(999, "hello")
    emu.block_chat(CHAT)
    with pytest.raises(Forbidden) as caught:
        await bot.send_message(CHAT, "hello")
    assert caught.value.message == "Forbidden: bot was blocked by the user"
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    emu.unblock_chat(CHAT)
    assert await bot.send_chat_action(CHAT, "typing")
    assert emu.chat_actions[-1]["action"] == "typing"
    assert emu.messages(CHAT) == []


# -- keyboards ---------------------------------------------------------------------------


async def test_callback_data_limit(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard([("A", "é" * 32)]))  # 64 bytes
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(CHAT, "too long", reply_markup=keyboard([("A", "x" * 65)]))
    assert last_error(emu) == "Bad Request: BUTTON_DATA_INVALID"
    assert caught.value.message == "Button_data_invalid"  # PTB's capitalize()
    assert [m.text for m in emu.messages(CHAT)] == ["ok"]


async def test_keyboard_size_limits(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    row = [(str(i), str(i)) for i in range(8)]
    await bot.send_message(CHAT, "8 a row, 96 in all", reply_markup=keyboard(*[row] * 12))
    await bot.send_message(CHAT, "100 in all", reply_markup=keyboard(*[row] * 12, row[:4]))
    for markup in (keyboard(row + [("9", "9")]), keyboard(*[row] * 12, row[:5])):
        with pytest.raises(BadRequest, match="Reply markup is too long"):
            await bot.send_message(CHAT, "too many", reply_markup=markup)
        assert last_error(emu) == "Bad Request: reply markup is too long"


async def test_buttons_need_text_and_one_action(emu: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    prefix = "Bad Request: can't parse inline keyboard button: "
    cases = [
        ({"text": "no action"}, prefix + "Text buttons are unallowed in the inline keyboard"),
        ({"text": "empty data", "callback_data": ""}, prefix + "Text buttons are unallowed in the inline keyboard"),
        ({"callback_data": "x"}, prefix + 'Can\'t find field "text"'),
        ({"text": "two", "callback_data": "x", "url": "https://x.io"},
         prefix + "exactly one of the optional fields must be used"),
    ]
    for button, description in cases:
        markup = {"inline_keyboard": [[button]]}
        status, body = await call(http, emu, "sendMessage", body={"chat_id": CHAT, "text": "t", "reply_markup": markup})
        assert (status, body["description"]) == (400, description)
    row = [{"text": "inline", "switch_inline_query": ""}, {"text": "u", "url": "https://x.io"}]
    markup = {"inline_keyboard": [row]}
    status, _ = await call(http, emu, "sendMessage", body={"chat_id": CHAT, "text": "t", "reply_markup": markup})
    assert status == 200


# -- edits -------------------------------------------------------------------------------


async def test_edits(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await bot.send_message(CHAT, "<b>v1</b>", reply_markup=keyboard([("A", "a")]))
    with pytest.raises(BadRequest, match="^Message is not modified"):
        await bot.edit_message_text("<b>v1</b>", CHAT, sent.message_id, reply_markup=keyboard([("A", "a")]))
    assert last_error(emu) == NOT_MODIFIED
    edited = await bot.edit_message_text("<i>v2</i>", CHAT, sent.message_id, reply_markup=keyboard([("B", "b")]))
    assert isinstance(edited, Message) and edited.text == "v2" and emu.messages(CHAT)[0].text == "v2"
    assert edited.message_id == sent.message_id and edited.edit_date is not None
    with pytest.raises(BadRequest, match="^Message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard([("B", "b")]))
    await bot.edit_message_text("<i>v2</i>", CHAT, sent.message_id)  # dropping the keyboard is a change
    [stored] = emu.messages(CHAT)
    assert (stored.text, stored.reply_markup, stored.edit_count) == ("v2", None, 2)
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("x", CHAT, 999)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.edit_message_text("<p>", CHAT, sent.message_id)
    assert emu.messages(CHAT)[0].edit_count == 2


# -- callback and inline queries -----------------------------------------------------


async def test_callback_queries(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await bot.send_message(CHAT, "pick", reply_markup=keyboard([("A", "a")]))
    emu.press_button(CHAT, sent.message_id, "a")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "a" and query.message is not None
    assert query.message.text == "pick" and query.from_user.id == CHAT
    with pytest.raises(BadRequest, match="^Message_too_long$"):
        await query.answer("x" * 201)
    assert last_error(emu) == "Bad Request: MESSAGE_TOO_LONG"
    assert await query.answer("x" * 200)
    with pytest.raises(BadRequest, match="^Query is too old"):
        await query.answer("again")
    assert last_error(emu) == QUERY_INVALID
    with pytest.raises(BadRequest, match="^Query is too old"):
        await bot.answer_callback_query("no-such-id")
    assert emu.callback_answers == [
        {"callback_query_id": query.id, "text": "x" * 200, "show_alert": None, "url": None, "cache_time": None}]


def article(result_id: str, text: str = "<b>KPO</b>") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(result_id, "title", InputTextMessageContent(text))


async def test_inline_queries(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    query_id = emu.inline_query(5, "kpo")["inline_query"]["id"]
    cases = [
        ({"results": [article(str(i)) for i in range(51)]}, "Bad Request: RESULTS_TOO_MUCH"),
        ({"results": [article("x" * 65)]}, "Bad Request: RESULT_ID_INVALID"),
        ({"results": [article("same"), article("same")]}, "Bad Request: RESULT_ID_DUPLICATE"),
        ({"results": [article("1", "<p>bad</p>")]},
         'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 0'),
        ({"results": [article("1", "x" * 4097)]}, "Bad Request: message is too long"),
        ({"results": [], "next_offset": "9" * 65}, "Bad Request: NEXT_OFFSET_INVALID"),
        ({"results": [], "button": InlineQueryResultsButton("Start", start_parameter="bad param")},
         "Bad Request: START_PARAM_INVALID"),
    ]
    for kwargs, description in cases:
        with pytest.raises(BadRequest):
            await bot.answer_inline_query(query_id, **kwargs)
        assert last_error(emu) == description
    button = InlineQueryResultsButton("Start", start_parameter="from_inline-1")
    assert await bot.answer_inline_query(query_id, [article(str(i)) for i in range(50)], next_offset="50",
                                         cache_time=0, button=button)
    [answer] = emu.inline_answers
    assert answer["inline_query_id"] == query_id and len(answer["results"]) == 50
    assert answer["next_offset"] == "50" and answer["button"]["start_parameter"] == "from_inline-1"
    assert answer["results"][0]["input_message_content"]["parse_mode"] == "HTML"  # PTB's Defaults
    with pytest.raises(BadRequest, match="^Query is too old"):
        await bot.answer_inline_query(query_id, [])


async def test_article_needs_its_fields(emu: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    query_id = emu.inline_query(5, "")["inline_query"]["id"]
    results = [{"type": "article", "id": "1", "input_message_content": {"message_text": "x"}}]
    status, body = await call(http, emu, "answerInlineQuery", body={"inline_query_id": query_id, "results": results})
    assert status == 400
    assert body["description"] == 'Bad Request: can\'t parse inline query result: Can\'t find field "title"'


# -- commands ----------------------------------------------------------------------------


async def test_commands(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("compare", "KPO vs BPO")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "compare"]
    assert emu.my_commands()[1] == {"command": "compare", "description": "KPO vs BPO"}
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


# -- updates -----------------------------------------------------------------------------


async def test_user_message_entities(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    emu.user_message(-100, "/start@kpo_test_bot deep ask @kpo_test_bot", chat_type="group", user_id=9)
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.chat.type == "group" and message.from_user.id == 9
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bot_command", 0, 19), ("mention", 29, 13)]
    assert message.parse_entity(message.entities[0]) == "/start@kpo_test_bot"


async def test_other_update_kinds_deserialize(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    first = emu.user_message(CHAT, "before")
    emu.edited_message(CHAT, first["message"]["message_id"], "after")
    emu.sticker(CHAT)
    emu.photo(CHAT, caption="/start look")
    emu.channel_post(-1001, "news")
    custom = emu.inject({"my_chat_member": {
        "chat": {"id": CHAT, "type": "private", "first_name": "Ann"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Ann"}, "date": 1,
        "old_chat_member": {"status": "member", "user": emu.bot_user},
        "new_chat_member": {"status": "kicked", "user": emu.bot_user, "until_date": 0}}})
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == list(range(1, custom["update_id"] + 1))
    edited, sticker, photo, post, member = updates[1:]
    assert edited.edited_message is not None and edited.edited_message.text == "after"
    assert sticker.message is not None and sticker.message.sticker is not None
    assert photo.message is not None and photo.message.caption == "/start look" and photo.message.photo
    assert post.channel_post is not None and post.channel_post.chat.type == "channel"
    assert member.my_chat_member is not None and member.my_chat_member.new_chat_member.status == "kicked"
    assert Update.de_json(first, bot) is not None


async def test_long_poll_waits_for_an_update(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=50, read_timeout=60))
    await emu.wait_until(lambda: emu.updates.waiting, what="the long poll waiting")
    assert not poll.done()
    emu.user_message(CHAT, "wake up")
    [update] = await asyncio.wait_for(poll, 30)  # woken by the update, long before its 50 s
    assert update.message is not None and update.message.text == "wake up"


async def test_long_poll_times_out_empty(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=1))
    await emu.wait_until(lambda: emu.updates.waiting or poll.done(), what="the long poll waiting")
    assert await poll == ()
    assert emu.calls_to("getUpdates")[-1].params.get("timeout") == 1


async def test_offset_confirms_and_limit_caps(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    for text in ("one", "two", "three"):
        emu.user_message(CHAT, text)
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [1, 2]
    assert [u.update_id for u in await bot.get_updates()] == [1, 2, 3]  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=3)] == [3]  # confirms 1 and 2
    assert [u["update_id"] for u in emu.updates.pending] == [3]
    assert await bot.get_updates(offset=4) == ()
    assert emu.updates.pending == []
    emu.user_message(CHAT, "four")
    assert [u.update_id for u in await bot.get_updates(offset=4)] == [4]


async def test_allowed_updates_filter_and_stick(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await bot.send_message(CHAT, "pick", reply_markup=keyboard([("A", "a")]))
    emu.user_message(CHAT, "text")
    emu.press_button(CHAT, sent.message_id, "a")
    [update] = await bot.get_updates(allowed_updates=["callback_query"])
    assert update.callback_query is not None
    emu.user_message(CHAT, "dropped too")
    assert await bot.get_updates(offset=update.update_id + 1) == ()


async def test_second_poller_terminates_the_first(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    async with Bot(TOKEN, base_url=emu.base_url) as second:
        first_poll = asyncio.create_task(bot.get_updates(timeout=5))
        await emu.wait_until(lambda: emu.updates.waiting, what="the first long poll waiting")
        second_poll = asyncio.create_task(second.get_updates(timeout=5))
        with pytest.raises(Conflict) as caught:
            await first_poll
        assert caught.value.message == (
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
        emu.user_message(CHAT, "to the survivor")
        [update] = await second_poll
        assert update.message is not None


async def test_get_updates_conflicts_with_a_webhook(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_until(lambda: emu.updates.waiting, what="the long poll waiting")
    assert await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match="terminated by setWebhook request"):
        await poll
    with pytest.raises(Conflict) as caught:
        await bot.get_updates()
    assert caught.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


# -- faults ------------------------------------------------------------------------------


async def test_429_raises_retry_after_and_takes_no_effect(
    emu: BotAPIEmulator, bot: ExtBot[None], http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else PTB warns that retry_after is deprecated as int
    emu.fail_next(1, "429", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "flood")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    emu.fail_next(1, "429", retry_after=5)
    assert await call(http, emu, "sendMessage", form={"chat_id": "42", "text": "x"}) == (429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5}})
    assert emu.messages(CHAT) == []
    await bot.send_message(CHAT, "after the flood")
    assert [m.text for m in emu.messages(CHAT)] == ["after the flood"]


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_server_faults_raise_network_error(emu: BotAPIEmulator, bot: ExtBot[None], kind: str) -> None:
    emu.fail_next(1, kind)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(CHAT, "lost")
    assert type(caught.value) is NetworkError
    assert emu.calls[-1].fault == kind and emu.messages(CHAT) == []
    await bot.send_message(CHAT, "fine again")
    assert [m.text for m in emu.messages(CHAT)] == ["fine again"]


async def test_slow_answer_times_out_and_takes_no_effect(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    emu.fail_next(1, "slow", delay=5)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "slow", read_timeout=0.3)
    await emu.wait_until(lambda: emu.calls_to("sendMessage") != [])
    assert emu.calls_to("sendMessage")[0].fault == "slow" and emu.messages(CHAT) == []


async def test_faults_pick_methods_and_spare_get_updates(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    emu.fail_next(1, "500")
    assert await bot.get_updates() == ()  # getUpdates is spared unless named
    emu.fail_next(1, "500", methods={"getUpdates"})
    with pytest.raises(NetworkError):
        await bot.get_updates()
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "takes the first fault")
    emu.fail_next(2, "429", methods={"answerCallbackQuery"})
    assert (await bot.send_message(CHAT, "not named")).text == "not named"


async def test_fail_share_is_seeded(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    emu.fail_share(0.5, "500", seed=7)
    failed = 0
    for i in range(40):
        try:
            await bot.send_message(CHAT, f"m{i}")
        except NetworkError:
            failed += 1
    assert 8 <= failed <= 32 and len(emu.messages(CHAT)) == 40 - failed
    emu.clear_faults()
    twins = [BotAPIEmulator(), BotAPIEmulator()]
    for twin in twins:
        twin.fail_share(0.3, "429", seed=11)
    patterns = [[twin.faults.pick("sendmessage") is not None for _ in range(50)] for twin in twins]
    assert patterns[0] == patterns[1] and any(patterns[0])


def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        BotAPIEmulator().fail_next(1, "teapot")


# -- webhook push ------------------------------------------------------------------------


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in webhook endpoint that checks the secret like PTB does (403 otherwise)."""
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "right-secret":
            return web.Response(status=403)
        assert request.content_type == "application/json"
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    finally:
        await runner.cleanup()


async def test_webhook_delivery_and_secret(
    emu: BotAPIEmulator, bot: ExtBot[None], receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    assert await bot.set_webhook(url, secret_token="right-secret")
    emu.user_message(CHAT, "first")
    delivery = await emu.deliver_webhook_once(secret_token="wrong-secret")
    assert delivery is not None and delivery.status == 403 and emu.last_webhook_status == 403
    assert received == [] and len(emu.updates.pending) == 1
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and info.last_error_message
    await emu.start_webhook_delivery()
    emu.user_message(CHAT, "second")
    await emu.wait_until(lambda: len(received) == 2)
    assert [u["message"]["text"] for u in received] == ["first", "second"]
    assert emu.last_webhook_status == 200 and emu.updates.pending == []
    await emu.stop_webhook_delivery()


# -- waiting -----------------------------------------------------------------------------


async def test_wait_until_explains_a_timeout(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    await bot.send_message(CHAT, "only one")
    with pytest.raises(AssertionError) as caught:
        await emu.wait_for_messages(CHAT, 2, timeout=0.2)
    report = str(caught.value)
    assert "2 bot message(s) in chat 42" in report and "only one" in report and "sendMessage -> 200" in report
    with pytest.raises(AssertionError, match="IndexError"):
        await emu.wait_until(lambda: emu.messages(CHAT)[5].text == "x", timeout=0.1)


async def test_press_button_sees_the_edited_message(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await bot.send_message(CHAT, "v1", reply_markup=keyboard([("A", "a")]))
    await bot.edit_message_text("v2", CHAT, sent.message_id, reply_markup=keyboard([("B", "b")]))
    update = emu.press_button(CHAT, sent.message_id, "b")
    assert update["callback_query"]["message"]["text"] == "v2"
    assert update["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    with pytest.raises(KeyError):
        emu.press_button(CHAT, 999, "b")


# -- a whole PTB Application -----------------------------------------------------------


async def test_ptb_application_polls_replies_and_confirms(emu: BotAPIEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("<b>Hi!</b>", reply_markup=keyboard([("KPO?", "kpo")]))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("KPO")
        await update.callback_query.edit_message_text("<i>Knowledge work</i>")

    app = (Application.builder().token(TOKEN).base_url(emu.base_url)
           .defaults(Defaults(parse_mode=ParseMode.HTML)).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    emu.user_message(CHAT, "/start")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        [reply] = await emu.wait_for_messages(CHAT, 1)
        emu.press_button(CHAT, reply.message_id, "kpo")
        await emu.wait_until(lambda: emu.messages(CHAT)[0].text == "Knowledge work")
        await app.updater.stop()
        await app.stop()
    assert [c.method for c in emu.calls[:3]] == ["getMe", "deleteWebhook", "getUpdates"]
    assert emu.callback_answers[0]["text"] == "KPO" and emu.messages(CHAT)[0].reply_markup is None
    assert emu.updates.pending == [] and emu.updates.confirmed_offset == 3


# -- photos and the bot's profile ------------------------------------------------------


def image_bytes(width: int, height: int, fmt: str = "PNG") -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (200, 220, 240)).save(out, format=fmt)
    return out.getvalue()


async def test_a_photo_upload_then_its_file_id(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await bot.send_photo(CHAT, image_bytes(1080, 2100), caption="<b>KPO</b> vs BPO", filename="t.png")
    assert sent.caption == "KPO vs BPO" and sent.caption_entities[0].type == "bold" and sent.text is None
    largest = sent.photo[-1]
    assert (largest.width, largest.height) == (1080, 2100)  # within 2560: kept as it is
    assert [p.width for p in sent.photo] == sorted(p.width for p in sent.photo)
    again = await bot.send_photo(CHAT, largest.file_id, caption="again")
    assert again.photo[-1].file_id == largest.file_id and again.caption == "again"
    assert len(emu.photo_uploads()) == 1 and emu.photo_uploads()[0]["photo"]["file_name"] == "t.png"
    assert emu.messages(CHAT)[-1].photo is not None and emu.messages(CHAT)[-1].text == "again"
    big = await bot.send_photo(CHAT, image_bytes(4000, 3000))  # larger than 2560: scaled down
    assert (big.photo[-1].width, big.photo[-1].height) == (2560, 1920)


@pytest.mark.parametrize("width, height, fmt, description", [
    (1900, 1900, "BMP", "Bad Request: PHOTO_SAVE_FILE_INVALID"),   # 10.8 MB
    (5000, 5001, "PNG", "Bad Request: PHOTO_INVALID_DIMENSIONS"),  # width + height over 10,000
    (2100, 100, "PNG", "Bad Request: PHOTO_INVALID_DIMENSIONS"),   # ratio 21
    (40, 841, "PNG", "Bad Request: PHOTO_INVALID_DIMENSIONS"),     # ratio 21, standing
])
async def test_photo_limits(emu: BotAPIEmulator, bot: ExtBot[None], width: int, height: int, fmt: str,
                            description: str) -> None:
    with pytest.raises(BadRequest):
        await bot.send_photo(CHAT, image_bytes(width, height, fmt))
    assert last_error(emu) == description and emu.messages(CHAT) == []


async def test_photo_refusals(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    ok = image_bytes(100, 2000)  # ratio exactly 20 is allowed
    assert (await bot.send_photo(CHAT, ok, caption="x" * 1024)).caption == "x" * 1024
    refusals = [
        (dict(photo=ok, caption="x" * 1025), "Bad Request: message caption is too long"),
        (dict(photo=ok, caption="&lt;" * 1025), "Bad Request: message caption is too long"),
        (dict(photo=ok, caption="<b>open"), "Bad Request: can't parse entities: "
                                            'Can\'t find end tag corresponding to start tag "b"'),
        (dict(photo=b"not an image"), "Bad Request: IMAGE_PROCESS_FAILED"),
        (dict(photo="AgACAgIAAxkDAAIBnope"), "Bad Request: wrong file identifier/HTTP URL specified"),
    ]
    for kwargs, description in refusals:
        with pytest.raises(BadRequest):
            await bot.send_photo(CHAT, **kwargs)  # type: ignore[arg-type]
        assert last_error(emu) == description
    emu.forget_files()
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(CHAT, emu.messages(CHAT)[0].photo[-1]["file_id"])  # type: ignore[index]
    with pytest.raises(BadRequest, match="(?i)no text in the message to edit"):
        await bot.edit_message_text("text", CHAT, emu.messages(CHAT)[0].message_id)
    assert len(emu.messages(CHAT)) == 1


async def test_descriptions_and_their_limits(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    assert await bot.set_my_description("d" * 512) and await bot.set_my_short_description("s" * 120)
    assert (await bot.get_my_description()).description == "d" * 512
    assert (await bot.get_my_short_description()).short_description == "s" * 120
    assert emu.my_description() == "d" * 512 and emu.my_description(short=True) == "s" * 120
    with pytest.raises(BadRequest, match="(?i)^description is too long"):
        await bot.set_my_description("d" * 513)
    with pytest.raises(BadRequest, match="(?i)short description is too long"):
        await bot.set_my_short_description("s" * 121)
    assert await bot.set_my_description("hindi", language_code="hi")
    assert emu.my_description("hi") == "hindi" and emu.my_description() == "d" * 512
    assert await bot.set_my_description(None)  # no text: removes it
    assert (await bot.get_my_description()).description == ""
# -- polls ---------------------------------------------------------------------------


async def send_quiz(bot: ExtBot[None], chat: int = CHAT, **overrides: Any) -> Message:
    options: dict[str, Any] = {
        "question": "Payroll processing: <b>BPO</b> or KPO?", "options": ["BPO", "KPO"], "type": "quiz",
        "correct_option_ids": [0], "explanation": "Fixed rules &amp; schedules (KPO vs. BPO)",
        "is_anonymous": False, "open_period": 60}
    options.update(overrides)
    return await bot.send_poll(chat, **options)


async def test_a_quiz_poll_is_sent_and_answered(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    sent = await send_quiz(bot)
    poll = sent.poll
    assert poll is not None and poll.type == "quiz" and not poll.is_anonymous and not poll.is_closed
    assert poll.question == "Payroll processing: BPO or KPO?" and poll.question_entities[0].type == "bold"
    assert [o.text for o in poll.options] == ["BPO", "KPO"] and poll.correct_option_ids == (0,)
    assert poll.explanation == "Fixed rules & schedules (KPO vs. BPO)"
    [stored] = emu.polls(CHAT)
    assert stored.message_id == sent.message_id and stored.poll is not None and stored.poll["id"] == poll.id
    assert stored.poll["open_period"] == 60 and stored.poll["close_date"] >= sent.date.timestamp() + 60
    emu.answer_poll(poll.id, 7, [1], first_name="Bob")
    updates = await bot.get_updates(allowed_updates=["poll_answer"])
    [answer] = [u.poll_answer for u in updates]
    assert answer is not None and answer.poll_id == poll.id and answer.option_ids == (1,)
    assert answer.user is not None and (answer.user.id, answer.user.first_name) == (7, "Bob")
    assert emu.poll_state(stored)["options"][1]["voter_count"] == 1


async def test_votes_telegram_clients_do_not_allow(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    poll = (await send_quiz(bot)).poll
    assert poll is not None
    emu.answer_poll(poll.id, 7, [0])
    for bad in ([0], [], [0, 1]):
        with pytest.raises(ValueError):
            emu.answer_poll(poll.id, 7 if bad == [0] else 8, bad)
    with pytest.raises(ValueError, match="cannot be chosen"):
        emu.answer_poll(poll.id, 9, [2])
    closed = (await send_quiz(bot, open_period=5)).poll
    assert closed is not None
    emu.poll_messages[closed.id].poll["close_date"] -= 5  # its five seconds are over
    with pytest.raises(ValueError, match="closed"):
        emu.answer_poll(closed.id, 7, [0])
    anonymous = (await bot.send_poll(CHAT, "Which?", ["a", "b"])).poll
    assert anonymous is not None and anonymous.is_anonymous and anonymous.type == "regular"
    assert emu.answer_poll(anonymous.id, 7, [1]) == {}, "an anonymous poll sends no poll_answer"


@pytest.mark.parametrize(("overrides", "description"), [
    ({"question": "   "}, "Bad Request: Text must be non-empty"),
    ({"question": "q" * 301}, "Bad Request: Poll question length must not exceed 300"),
    ({"question": "<b>open"}, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
    ({"options": ["only"]}, "Bad Request: Poll must have at least 2 option"),
    ({"options": [str(n) for n in range(13)]}, "Bad Request: Poll can't have more than 12 options"),
    ({"options": ["BPO", "K" * 101]}, "Bad Request: Poll options length must not exceed 100"),
    ({"options": ["BPO", " "]}, "Bad Request: Text must be non-empty"),
    ({"correct_option_ids": [2]}, "Bad Request: Wrong quiz correct_option_id"),
    ({"correct_option_ids": [1, 0]}, "Bad Request: Correct quiz option list must be increasing"),
    ({"correct_option_ids": None}, "Bad Request: Correct quiz option list must be non-empty"),
    ({"explanation": "e" * 201}, "Bad Request: poll explanation must not exceed 200 characters"),
    ({"explanation": "a\nb\nc\nd"}, "Bad Request: poll explanation must not have more than 2 line feeds"),
    ({"open_period": 3}, "Bad Request: open_period must be 5 to 2628000 seconds"),
    ({"type": "survey"}, "Bad Request: Unsupported poll type specified"),
])
async def test_poll_limits_are_telegrams(emu: BotAPIEmulator, bot: ExtBot[None], overrides: dict[str, Any],
                                         description: str) -> None:
    with pytest.raises(BadRequest):
        await send_quiz(bot, **overrides)
    assert last_error(emu) == description
    assert emu.polls(CHAT) == []


async def test_polls_in_channels_are_anonymous(emu: BotAPIEmulator, bot: ExtBot[None]) -> None:
    emu.add_chat(-1007, chat_type="channel", title="News")
    with pytest.raises(BadRequest):
        await send_quiz(bot, -1007)
    assert last_error(emu) == "Bad Request: Non-anonymous polls can't be sent to channel chats"
    assert (await send_quiz(bot, -1007, is_anonymous=True)).poll is not None
