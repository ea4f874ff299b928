"""The sentence encoder runs off the event loop: one slow embedding never holds other chats."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from bot.encoder import Vectors, default_encoder
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from tests.e2e.harness import RunningBot, bot_settings, failed_calls
from tests.emulator import BotAPIEmulator

LONG = ("I have been working in a bank for six years and my manager keeps talking about moving "
        "our research team to an outside firm. Before the meeting tomorrow I want to be sure: "
        "what does knowledge process outsourcing actually mean?")


class HeldEncoder:
    """The shipped encoder, except that one text waits until the test lets it through."""

    def __init__(self, held: str) -> None:
        self._inner = default_encoder()
        self.key = self._inner.key
        self.held = held
        self.entered = threading.Event()
        self.release = threading.Event()

    def encode(self, texts: Sequence[str]) -> Vectors:
        if self.held in texts:
            self.entered.set()
            assert self.release.wait(30), "the test never released the held embedding"
        return self._inner.encode(texts)


async def test_other_chats_are_answered_while_a_long_message_is_embedded(
        emu: BotAPIEmulator, kb: KnowledgeBase, tmp_path: Path) -> None:
    encoder = HeldEncoder(LONG)
    engine = Engine(kb, encoder=encoder)
    bot = await RunningBot.start(bot_settings(emu, tmp_path / "data"), engine)
    try:
        emu.user_message(1, LONG)
        await emu.wait_until(encoder.entered.is_set, what="the long message is being embedded")
        emu.user_message(2, "what is bpo")
        [other] = await emu.wait_for_messages(2, 1)
        assert "BPO" in other.html
        assert emu.messages(1) == [], "the long message is still being embedded"
        encoder.release.set()
        [answer] = await emu.wait_for_messages(1, 1)
        assert "Knowledge Process Outsourcing" in answer.html
        assert failed_calls(emu) == []
    finally:
        encoder.release.set()
        await bot.stop()
