"""The persistence file: only users mid-dialog are kept; a bad file is moved aside, not fatal."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from bot.engine import Engine
from tests.e2e.harness import RunningBot, bot_settings, unhandled_errors
from tests.emulator import BotAPIEmulator

ANN, BOB = 901, 902


def stored_users(data_dir: Path) -> dict[int, object]:
    with (data_dir / "bot-state.pickle").open("rb") as handle:
        return dict(pickle.load(handle)["user_data"])


async def test_only_users_with_a_dialog_under_way_are_stored(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> None:
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        emu.user_message(ANN, "what is kpo")
        emu.user_message(BOB, "/classify")
        await emu.wait_for_messages(ANN, 1)
        await emu.wait_for_messages(BOB, 1)
    finally:
        await running.stop()
    assert list(stored_users(tmp_path)) == [BOB]
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        emu.user_message(BOB, "/cancel")
        await emu.wait_for_messages(BOB, 2)
    finally:
        await running.stop()
    assert stored_users(tmp_path) == {}


@pytest.mark.parametrize("content", [b"", b"\x80\x05\x95", pickle.dumps(["not", "ours"]),
                                     pickle.dumps({"user_data": "nonsense"})],
                         ids=["empty", "truncated", "foreign", "wrong-shape"])
async def test_a_bad_state_file_is_moved_aside_and_the_bot_starts_fresh(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, content: bytes,
        caplog: pytest.LogCaptureFixture) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "bot-state.pickle").write_bytes(content)
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        emu.user_message(ANN, "what is kpo")
        [answer] = await emu.wait_for_messages(ANN, 1)
        assert "Knowledge Process Outsourcing" in answer.text
    finally:
        await running.stop()
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("bot-state.pickle.bad-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    notes = [r for r in caplog.records if "bot-state.pickle" in r.getMessage() and r.levelno >= logging.WARNING]
    assert len(notes) == 1 and "moved" in notes[0].getMessage()
    assert unhandled_errors(caplog.records) == []


async def test_a_dialog_saved_under_another_dialog_yaml_ends_cleanly_after_a_restart(
        emu: BotAPIEmulator, tmp_path: Path, kb_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bot.knowledge import load

    data = tmp_path / "data"
    running = await RunningBot.start(bot_settings(emu, data), Engine(load(kb_copy)))
    try:
        emu.user_message(ANN, "/classify")
        [question] = await emu.wait_for_messages(ANN, 1)
    finally:
        await running.stop()
    assert list(stored_users(data)) == [ANN]
    dialog = kb_copy / "dialog.yaml"
    dialog.write_text(dialog.read_text(encoding="utf-8").replace("prior_weight: 3", "prior_weight: 4"),
                      encoding="utf-8")
    running = await RunningBot.start(bot_settings(emu, data), Engine(load(kb_copy)))
    try:
        skip = next(b["callback_data"] for b in question.buttons if b["callback_data"].endswith(":skip"))
        emu.press_button(ANN, question.message_id, skip)
        await emu.wait_until(lambda: len(emu.callback_answers) == 1, what="the press answered")
        assert "/classify" in emu.callback_answers[0]["text"]
        emu.user_message(ANN, "what is kpo")
        replies = await emu.wait_for_messages(ANN, 2)
        assert "Knowledge Process Outsourcing" in replies[-1].text
    finally:
        await running.stop()
    assert stored_users(data) == {}
    assert unhandled_errors(caplog.records) == []
