"""Polling with backpressure: while a backlog is unhandled, no new batch is fetched or confirmed,
so a crash (kill -9) loses at most the backlog; the rest stays with Telegram."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.engine import Engine
from bot.telegram.ordering import BackpressureQueue
from tests.e2e.harness import RunningBot, bot_settings
from tests.emulator import BotAPIEmulator


async def test_no_batch_is_confirmed_while_the_backlog_is_full(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    poller_waits = asyncio.Event()
    room = BackpressureQueue.room

    async def watched_room(self: BackpressureQueue) -> None:
        if self.backlog >= self.high_water:
            poller_waits.set()
        await room(self)

    monkeypatch.setattr(BackpressureQueue, "room", watched_room)
    gate, entered = asyncio.Event(), asyncio.Event()

    async def hold(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        entered.set()
        await gate.wait()

    first = [emu.user_message(1000 + i, "what is kpo")["update_id"] for i in range(60)][0]
    running = await RunningBot.start(bot_settings(emu, tmp_path, KPO_BOT_CONCURRENCY="1"), engine)
    running.app.add_handler(TypeHandler(Update, hold), group=-2)
    try:
        await emu.wait_until(lambda: entered.is_set(), what="the first update being handled")
        await emu.wait_until(lambda: poller_waits.is_set() or emu.updates.confirmed_offset > first,
                             what="the poller to wait, or to ask for the next batch")
        assert emu.updates.confirmed_offset <= first, "a batch was confirmed with 60 updates unhandled"
        gate.set()
        await emu.wait_until(lambda: len(emu.all_messages()) == 60, timeout=30, what="every answer")
        await emu.wait_until(lambda: emu.updates.confirmed_offset > first + 59, what="the batch confirmed")
    finally:
        gate.set()
        await running.stop()
