"""The real bot, polling the emulator over HTTP: what users see in private chats and groups.

Expected replies come from the same Engine the bot serves, so these tests pin
down the Telegram adapter (handlers, filters, buttons, error handling), not the
wording, which the knowledge base and templates own.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from bot.engine import Engine
from bot.reply import Reply
from tests.e2e.harness import (
    BOT_USERNAME,
    RunningBot,
    answer_buttons,
    buttons_data,
    failed_calls,
    unhandled_errors,
)
from tests.emulator import BotAPIEmulator, SentMessage

USER = 42
GROUP = -1001234


def pick(engine: Engine, kind: str, candidates: list[str], min_buttons: int = 0) -> str:
    """The first text the engine answers with a reply of ``kind`` (the knowledge base changes)."""
    for text in candidates:
        reply = engine.step_text(text, None, time.time())[1]
        if reply.kind == kind and sum(map(len, reply.buttons)) >= min_buttons:
            return text
    pytest.fail(f"none of {candidates} gets a {kind!r} reply any more; update the test's candidates")


def rows(message: SentMessage) -> list[list[tuple[str, str | None]]]:
    keyboard = (message.reply_markup or {}).get("inline_keyboard", [])
    return [[(b["text"], b.get("callback_data") or b.get("url")) for b in row] for row in keyboard]


def assert_shows(message: SentMessage, reply: Reply) -> None:
    """The message is exactly the engine's reply: HTML as sent, and its buttons."""
    assert message.html == reply.text
    assert rows(message) == [[(b.text, b.data or b.url) for b in row] for row in reply.buttons]


async def settle(emu: BotAPIEmulator, bot: RunningBot) -> None:
    """Wait until the bot has fetched every injected update (or Telegram dropped it as a kind the
    bot did not ask for) and finished processing it."""
    await emu.wait_until(lambda: not emu.updates.pending, what="every update fetched")
    await bot.app.update_queue.join()


# -- private chat --------------------------------------------------------------------------


async def test_start_greets_with_buttons_and_the_command_menu_is_registered(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    emu.user_message(USER, "/start")
    [greeting] = await emu.wait_for_messages(USER, 1)
    assert_shows(greeting, engine.start())
    assert greeting.buttons, "/start offers buttons"
    assert emu.my_commands() == [{"command": c, "description": d} for c, d in engine.commands()]
    assert [c.method for c in emu.calls[:2]] == ["getMe", "setMyCommands"]
    assert len(emu.calls_to("setMyCommands")) == 1
    assert failed_calls(emu) == []


async def test_help(bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    emu.user_message(USER, "/help")
    [help_message] = await emu.wait_for_messages(USER, 1)
    assert_shows(help_message, engine.help())


async def test_a_question_is_answered_with_follow_up_buttons_that_work(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    question = pick(engine, "answer", ["what is kpo", "what is the difference between kpo and bpo"])
    emu.user_message(USER, question)
    [answer] = await emu.wait_for_messages(USER, 1)
    assert_shows(answer, engine.reply(question))
    follow_ups = [d for d in buttons_data(answer) if d.startswith("a:")]
    assert follow_ups, "an answer offers follow-up questions"

    emu.press_button(USER, answer.message_id, follow_ups[0])
    _, second = await emu.wait_for_messages(USER, 2)
    assert_shows(second, engine.press(follow_ups[0]))
    assert emu.callback_answers[-1]["text"] is None  # the press is acknowledged without a popup
    assert answer.edit_count == 0  # the answer the user came from stays as it was

    deeper = [d for d in buttons_data(second) if d.startswith("a:")]
    emu.press_button(USER, second.message_id, deeper[-1])
    *_, third = await emu.wait_for_messages(USER, 3)
    assert_shows(third, engine.press(deeper[-1]))
    assert len(emu.callback_answers) == 2
    assert failed_calls(emu) == []


async def test_did_you_mean_buttons_answer_the_picked_question(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    vague = pick(engine, "suggestions", ["outsourcing", "difference", "knowledge", "skills", "kpo bpo",
                                         "work", "outsource", "career", "job", "salary and skills"], min_buttons=2)
    emu.user_message(USER, vague)
    [suggestions] = await emu.wait_for_messages(USER, 1)
    assert_shows(suggestions, engine.reply(vague))
    choices = buttons_data(suggestions)
    assert len(choices) >= 2 and all(d.startswith("s:") for d in choices)

    emu.press_button(USER, suggestions.message_id, choices[1])
    _, picked = await emu.wait_for_messages(USER, 2)
    assert_shows(picked, engine.press(choices[1]))
    assert engine.press(choices[1]).kind == "answer"
    assert len(emu.callback_answers) == 1


async def test_off_topic_question_gets_the_fallback(bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    off_topic = pick(engine, "fallback", ["best pizza in town?", "how do I bake sourdough bread",
                                          "weather in paris tomorrow"])
    emu.user_message(USER, off_topic)
    [fallback] = await emu.wait_for_messages(USER, 1)
    assert_shows(fallback, engine.reply(off_topic))
    assert fallback.buttons, "the fallback shows what the bot can do"


@pytest.mark.parametrize("data", [
    "a:no_such_entry",            # an entry that was renamed or removed: a stale button
    "s:what_is_kpo:extra:parts",  # not the scheme
    "zzz",
    "a:../../etc/passwd",
    "a:WHAT_IS_KPO",
    "x" * 64,
    "a:what_is_kpo\n",
    "💥:💥",
])
async def test_stale_or_forged_button_data_gets_a_short_note(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine, data: str,
        caplog: pytest.LogCaptureFixture) -> None:
    emu.user_message(USER, "/start")
    [greeting] = await emu.wait_for_messages(USER, 1)
    emu.press_button(USER, greeting.message_id, data)
    await emu.wait_until(lambda: len(emu.callback_answers) == 1, what="the callback answer")
    note = emu.callback_answers[0]["text"]
    assert note == engine.stale().note and 0 < len(note) <= 200
    emu.user_message(USER, "/help")  # still serving, and the press sent no message
    await emu.wait_for_messages(USER, 2)
    assert [m.html for m in emu.messages(USER)] == [engine.start().text, engine.help().text]
    assert greeting.edit_count == 0
    assert unhandled_errors(caplog.records) == []
    assert failed_calls(emu) == []


async def test_press_on_an_inline_message_gets_the_note_and_on_an_inaccessible_one_the_answer(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    """No chat message: an inline-mode message. Date 0: a message too old for Telegram to send along."""
    emu.add_chat(USER)
    user = {"id": USER, "is_bot": False, "first_name": "Ann"}
    old = {"message_id": 1, "chat": {"id": USER, "type": "private"}, "date": 0}
    data = f"a:{next(iter(engine.kb.faq))}"
    queries: list[dict[str, Any]] = [
        {"id": "901", "from": user, "chat_instance": "1", "inline_message_id": "AAQ", "data": data},
        {"id": "902", "from": user, "chat_instance": "1", "data": data, "message": old},
    ]
    for query in queries:
        emu.open_callback_queries[query["id"]] = query
        emu.inject({"callback_query": query})
    [answer] = await emu.wait_for_messages(USER, 1)
    assert_shows(answer, engine.press(data))
    notes = {a["callback_query_id"]: a["text"] for a in emu.callback_answers}
    assert notes == {"901": engine.stale().note, "902": None}


async def test_stickers_and_photos_get_a_polite_note_in_private(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    emu.sticker(USER)
    emu.photo(USER)
    emu.photo(USER, caption="what is kpo")
    notes = await emu.wait_for_messages(USER, 3)
    for note in notes:
        assert_shows(note, engine.non_text())
    await settle(emu, bot)
    assert len(emu.messages(USER)) == 3


async def test_edited_messages_are_not_answered_again(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    """The bot answered the original; a second answer under an old message would confuse."""
    original = emu.user_message(USER, "what is kpo")
    await emu.wait_for_messages(USER, 1)
    emu.edited_message(USER, original["message"]["message_id"], "what is bpo")
    command = emu.user_message(USER, "/hepl")
    emu.edited_message(USER, command["message"]["message_id"], "/help")
    emu.user_message(USER, "/start")  # one chat's updates are handled in order: this comes last
    await emu.wait_for_messages(USER, 3)
    await settle(emu, bot)
    assert [m.html for m in emu.messages(USER)] == [
        engine.reply("what is kpo").text, engine.unknown_command("/hepl").text, engine.start().text]


async def test_channel_posts_are_ignored(bot: RunningBot, emu: BotAPIEmulator) -> None:
    channel = -1009876
    emu.channel_post(channel, "/start")
    emu.channel_post(channel, f"@{BOT_USERNAME} what is kpo")
    emu.channel_post(channel, "what is kpo")
    await settle(emu, bot)
    assert emu.messages(channel) == []
    assert [c for c in emu.calls if c.params.get("chat_id") == channel] == []


# -- groups --------------------------------------------------------------------------------


async def test_in_groups_the_bot_answers_only_when_addressed(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    def say(text: str, user: int = 7, reply_to: int | None = None) -> int:
        update = emu.user_message(GROUP, text, user_id=user, chat_type="group", reply_to_message_id=reply_to)
        return int(update["message"]["message_id"])

    chatter = say("anyone tried outsourcing payroll?", user=8)
    say("what is kpo")                                   # group chatter: ignored
    say("@someone_else what is kpo")                     # a mention of someone else: ignored
    say("/help@another_bot")                             # a command for another bot: ignored
    say("well said", reply_to=chatter)                   # a reply to another user: ignored
    emu.sticker(GROUP, chat_type="group", user_id=7)     # non-text in a group: silence
    emu.photo(GROUP, chat_type="group", user_id=7)
    asked = [
        say("/help"),                                    # a command: answered
        say(f"/start@{BOT_USERNAME}"),                   # a command addressed to this bot
        say(f"@{BOT_USERNAME} what is kpo"),             # a mention
        say(f"what is bpo @{BOT_USERNAME.upper()}"),     # a mention, any letter case
    ]
    expected = [engine.help(), engine.start(), engine.reply("what is kpo"), engine.reply("what is bpo")]
    sent = await emu.wait_for_messages(GROUP, 4)
    asked.append(say("who earns more?", user=9, reply_to=sent[2].message_id))  # a reply to the bot
    expected.append(engine.reply("who earns more?"))
    await emu.wait_for_messages(GROUP, 5)
    await settle(emu, bot)

    sent = emu.messages(GROUP)
    assert [m.html for m in sent] == [r.text for r in expected]
    assert [m.reply_to_message_id for m in sent] == asked  # each answer quotes its question
    assert failed_calls(emu) == []


async def test_buttons_work_in_groups(bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    emu.user_message(GROUP, f"@{BOT_USERNAME} what is kpo", user_id=7, chat_type="group")
    [answer] = await emu.wait_for_messages(GROUP, 1)
    data = answer_buttons(answer)[0]
    emu.press_button(GROUP, answer.message_id, data, user_id=8)
    _, follow_up = await emu.wait_for_messages(GROUP, 2)
    assert_shows(follow_up, engine.press(data))


# -- users who blocked the bot ------------------------------------------------------------------


async def test_a_user_who_blocked_the_bot_is_logged_once_and_others_are_served(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    blocker, other = 77, 78
    emu.block_chat(blocker)
    for text in ("what is kpo", "/start", "what is bpo"):
        emu.user_message(blocker, text)
    emu.user_message(other, "what is kpo")
    [answer] = await emu.wait_for_messages(other, 1)
    assert_shows(answer, engine.reply("what is kpo"))
    await settle(emu, bot)

    to_blocker = [c for c in emu.calls_to("sendMessage") if c.params.get("chat_id") == blocker]
    assert [c.status for c in to_blocker] == [403, 403, 403]  # tried once each, never retried
    about = [r for r in caplog.records if str(blocker) in r.getMessage() and r.name.startswith("bot")]
    assert len(about) == 1 and about[0].levelno == logging.INFO
    assert unhandled_errors(caplog.records) == []

    emu.unblock_chat(blocker)
    emu.user_message(blocker, "/help")
    [help_message] = await emu.wait_for_messages(blocker, 1)
    assert_shows(help_message, engine.help())


async def test_an_unknown_command_in_private_gets_the_list_of_commands(
        bot: RunningBot, emu: BotAPIEmulator, engine: Engine) -> None:
    """Silence would leave the user guessing; in groups it may be another bot's command."""
    emu.user_message(USER, "/pricing")
    [reply] = await emu.wait_for_messages(USER, 1)
    assert_shows(reply, engine.unknown_command("/pricing"))
    emu.user_message(GROUP, "/pricing", user_id=7, chat_type="group")
    emu.user_message(GROUP, "/help", user_id=7, chat_type="group")
    [help_message] = await emu.wait_for_messages(GROUP, 1)
    await settle(emu, bot)
    assert [m.html for m in emu.messages(GROUP)] == [engine.help().text]
