"""The persistence file: only users mid-dialog or with a fresh conversation context are kept;
a bad file is moved aside, not fatal."""

from __future__ import annotations

import logging
import pickle
import time
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.telegram import conversations, dialogs
from tests.e2e.harness import RunningBot, bot_settings, unhandled_errors
from tests.emulator import BotAPIEmulator

ANN, BOB, CAT = 901, 902, 903


def stored_users(data_dir: Path) -> dict[int, object]:
    with (data_dir / "bot-state.pickle").open("rb") as handle:
        return dict(pickle.load(handle)["user_data"])


async def test_only_users_mid_dialog_or_with_a_fresh_context_are_stored(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> None:
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        emu.user_message(ANN, "what is kpo")
        emu.user_message(BOB, "/classify")
        emu.user_message(CAT, "hello")
        await emu.wait_for_messages(ANN, 1)
        await emu.wait_for_messages(BOB, 1)
        await emu.wait_for_messages(CAT, 1)
    finally:
        await running.stop()
    stored = stored_users(tmp_path)
    assert sorted(stored) == [ANN, BOB, CAT]
    assert set(stored[ANN]) == {conversations.KEY}, "a question leaves only the chat's context"
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        emu.user_message(BOB, "/cancel")
        emu.user_message(CAT, "/cancel")
        await emu.wait_for_messages(BOB, 2)
        await emu.wait_for_messages(CAT, 2)
        later = time.time() + engine.context_minutes * 60 + 1
        assert conversations.sweep(running.app, now=later) == 1  # ANN's context expired
    finally:
        await running.stop()
    assert stored_users(tmp_path) == {}


async def test_context_survives_a_restart_but_not_its_expiry(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> None:
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        emu.user_message(ANN, "is payroll bpo or kpo?")
        emu.user_message(BOB, "is payroll bpo or kpo?")
        await emu.wait_for_messages(ANN, 1)
        await emu.wait_for_messages(BOB, 1)
    finally:
        await running.stop()
    state = tmp_path / "bot-state.pickle"
    saved = pickle.loads(state.read_bytes())
    for context in saved["user_data"][BOB][conversations.KEY].values():
        context["at"] -= 3600
    state.write_bytes(pickle.dumps(saved))  # BOB's context is an hour old
    running = await RunningBot.start(bot_settings(emu, tmp_path), engine)
    try:
        emu.user_message(ANN, "why?")
        emu.user_message(BOB, "why?")
        _, ann = await emu.wait_for_messages(ANN, 2)
        _, bob = await emu.wait_for_messages(BOB, 2)
    finally:
        await running.stop()
    assert "Why payroll processing is BPO" in ann.text, "the follow-up is read with the saved exchange"
    assert "Payroll" not in bob.text, "an expired context is not used"


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
    assert set(stored_users(data)) <= {ANN}, "at most the fresh context of the last question"
    assert not any(d.get(dialogs.KEY) for d in stored_users(data).values()), "the dialog is gone"
    assert unhandled_errors(caplog.records) == []


def test_a_context_saved_by_another_version_is_read_or_ignored() -> None:
    from bot.telegram.conversations import context_of

    user_data = {conversations.KEY: {1: {"at": 5.0, "entry": "pay", "gone_field": 1},
                                     2: {"entry": "pay"}, 3: "not a mapping"}}
    old = context_of(user_data, 1)
    assert old is not None and old.entry == "pay" and old.card == ()
    assert context_of(user_data, 2) is None and context_of(user_data, 3) is None
