"""Fixtures of the end-to-end tests: the emulator, the real bot polling it, log checks.

Every end-to-end test runs with logging captured at DEBUG (PTB, httpx, httpcore,
aiohttp included) and fails if any record shows the bot token.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.engine import Engine
from tests.e2e.harness import RunningBot, bot_settings, emulator, token_leaks
from tests.emulator import BotAPIEmulator

VERBOSE_LOGGERS = ("telegram", "httpx", "httpcore", "aiohttp", "asyncio", "bot")


@pytest.fixture(autouse=True)
def token_never_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture everything at DEBUG; afterwards no record may contain the token."""
    caplog.set_level(logging.DEBUG)
    for name in VERBOSE_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    leaks = token_leaks(caplog.records)
    assert not leaks, "the token appears in the log:\n" + "\n".join(leaks[:5])


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with emulator() as server:
        yield server


@pytest.fixture
async def bot(emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The bot of `kpo-bot run`, polling the emulator, stopped cleanly afterwards."""
    running = await RunningBot.start(bot_settings(emu, tmp_path / "data"), engine)
    try:
        yield running
    finally:
        await running.stop()
