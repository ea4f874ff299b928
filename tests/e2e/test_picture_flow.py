"""The comparison as a picture and the bot's profile, end to end through the emulator.

The picture is uploaded once per version and sent by Telegram's file_id after that,
in every chat; the emulator refuses what Telegram refuses (photo size, dimensions,
caption length), so a picture it accepts is one Telegram would.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.picture import png_size
from bot.tghtml import parse_html
from tests.e2e.harness import RunningBot, bot_settings, failed_calls, unhandled_errors
from tests.emulator import BotAPIEmulator, SentMessage

ANN, BEN, CAT = 701, 702, 703


async def open_compare(emu: BotAPIEmulator, chat: int) -> SentMessage:
    emu.user_message(chat, "/compare")
    await emu.wait_until(lambda: any("p:compare" in str(m.buttons) for m in emu.messages(chat)),
                         what=f"the /compare card in chat {chat}")
    return emu.messages(chat)[-1]


async def press_picture(emu: BotAPIEmulator, chat: int, card: SentMessage) -> SentMessage:
    before = len(emu.messages(chat))
    emu.press_button(chat, card.message_id, "p:compare")
    [photo] = (await emu.wait_for_messages(chat, before + 1))[before:]
    return photo


def sends(emu: BotAPIEmulator) -> list[str]:
    """Each successful sendPhoto: "upload" or "file_id"."""
    return ["upload" if isinstance(c.params["photo"], dict) else "file_id"
            for c in emu.calls_to("sendPhoto") if c.ok]


async def test_the_picture_is_uploaded_once_then_sent_by_file_id(
        emu: BotAPIEmulator, bot: RunningBot, engine: Engine) -> None:
    expected = engine.press("p:compare")
    assert expected.picture is not None
    photo = await press_picture(emu, ANN, await open_compare(emu, ANN))
    assert photo.photo is not None and photo.reply_markup is None
    [upload] = emu.photo_uploads()
    assert upload["photo"]["file_name"] == "kpo-vs-bpo.png" and upload["photo"]["data"] == expected.picture.png()
    width, height = png_size(upload["photo"]["data"])
    assert width == 1080 and (photo.photo[-1]["width"], photo.photo[-1]["height"]) == (width, height)
    assert photo.text == parse_html(expected.text)
    for source in engine.kb.sources.values():
        assert source.title in photo.text
    # Another chat: the same picture, named by the file_id of the first upload.
    again = await press_picture(emu, BEN, await open_compare(emu, BEN))
    assert sends(emu) == ["upload", "file_id"]
    assert emu.calls_to("sendPhoto")[-1].params["photo"] == photo.photo[-1]["file_id"]
    assert again.photo == photo.photo and again.text == photo.text
    # The card stays as it was, and a press on the same card sends the picture again.
    assert emu.messages(BEN)[-2].edit_count == 0
    await press_picture(emu, BEN, emu.messages(BEN)[-2])
    assert sends(emu) == ["upload", "file_id", "file_id"]
    assert len(emu.callback_answers) == 3 and failed_calls(emu) == []


async def test_presses_at_the_same_moment_upload_once(emu: BotAPIEmulator, bot: RunningBot) -> None:
    cards = {chat: await open_compare(emu, chat) for chat in (ANN, BEN, CAT)}
    counts = {chat: len(emu.messages(chat)) for chat in cards}
    for chat, card in cards.items():
        emu.press_button(chat, card.message_id, "p:compare")
    await asyncio.gather(*(emu.wait_for_messages(chat, counts[chat] + 1) for chat in cards))
    assert sorted(sends(emu)) == ["file_id", "file_id", "upload"]
    assert failed_calls(emu) == []


async def test_typing_picture_under_a_card_sends_it(emu: BotAPIEmulator, bot: RunningBot) -> None:
    await open_compare(emu, ANN)
    emu.user_message(ANN, "picture")
    await emu.wait_until(lambda: emu.messages(ANN)[-1].photo is not None, what="the picture")
    assert sends(emu) == ["upload"] and failed_calls(emu) == []


async def test_a_file_id_telegram_forgot_is_uploaded_again(
        emu: BotAPIEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    await press_picture(emu, ANN, await open_compare(emu, ANN))
    emu.forget_files()
    photo = await press_picture(emu, BEN, await open_compare(emu, BEN))
    assert photo.photo is not None and sends(emu) == ["upload", "upload"]
    assert failed_calls(emu) == ["sendPhoto -> 400 Bad Request: wrong file identifier/HTTP URL specified"]
    await press_picture(emu, CAT, await open_compare(emu, CAT))  # the new id serves from now on
    assert sends(emu) == ["upload", "upload", "file_id"]
    assert unhandled_errors(caplog.records) == []


@pytest.mark.parametrize("data", ["p:nope", "p:compare:x", "p:", "p:" + "x" * 70])
async def test_a_forged_picture_press_gets_a_note_and_no_photo(
        emu: BotAPIEmulator, bot: RunningBot, engine: Engine, data: str) -> None:
    card = await open_compare(emu, ANN)
    emu.press_button(ANN, card.message_id, data)
    await emu.wait_until(lambda: len(emu.callback_answers) == 1, what="the press answered")
    assert emu.callback_answers[0]["text"] == engine.stale().note
    assert emu.calls_to("sendPhoto") == [] and len(emu.messages(ANN)) == 1


async def test_the_descriptions_are_set_at_start(emu: BotAPIEmulator, bot: RunningBot, engine: Engine) -> None:
    description, short = engine.profile()
    assert emu.my_description() == description and emu.my_description(short=True) == short


async def test_a_refused_description_is_one_log_line_and_the_bot_serves(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    emu.fail_share(1.0, "500", methods={"setMyDescription"})
    running = await RunningBot.start(bot_settings(emu, tmp_path / "data"), engine)
    try:
        emu.user_message(ANN, "/help")
        [reply] = await emu.wait_for_messages(ANN, 1)
        assert reply.html == engine.help().text
    finally:
        await running.stop()
    warnings = [r for r in caplog.records if "could not set the bot's description" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert emu.my_commands() and emu.my_description() == ""
    assert unhandled_errors(caplog.records) == []
