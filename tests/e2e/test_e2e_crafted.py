"""Crafted updates anyone can send, against the real bot: each gets a clear answer, never silence."""

from __future__ import annotations

import pytest

from tests.e2e.harness import RunningBot, failed_calls, unhandled_errors
from tests.emulator import BotAPIEmulator

ANN = 701


@pytest.mark.parametrize("offset", ["²", "1" * 5000])
async def test_an_inline_query_with_a_crafted_offset_is_answered(
        emu: BotAPIEmulator, bot: RunningBot, offset: str, caplog: pytest.LogCaptureFixture) -> None:
    emu.inline_query(ANN, "pay", offset=offset)
    await emu.wait_until(lambda: len(emu.inline_answers) == 1, what="an answer to the inline query")
    assert emu.inline_answers[-1]["results"]
    assert failed_calls(emu) == [] and unhandled_errors(caplog.records) == []
