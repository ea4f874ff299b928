"""Stopping with updates queued, restarting, and `kpo-bot run` as a process stopped by SIGTERM.

Telegram keeps every update until a getUpdates call confirms it. A clean stop
answers everything it fetched and confirms exactly that; a restart then gets
(and answers) only what is left plus what arrived while the bot was down.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.engine import Engine
from tests.e2e.harness import (
    SECRET,
    RunningBot,
    answer_buttons,
    bot_settings,
    environment,
    failed_calls,
    unhandled_errors,
)
from tests.emulator import BotAPIEmulator

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["what is kpo", "what is bpo", "who earns more?", "is payroll bpo or kpo?", "hello",
             "best pizza in town?", "kpo examples", "what skills does kpo need"]


def inject_burst(emu: BotAPIEmulator, chats: range, per_chat: int) -> dict[int, list[str]]:
    """Questions from many chats, interleaved; returns what each chat asked, in order."""
    asked: dict[int, list[str]] = {chat: [] for chat in chats}
    for i in range(per_chat):
        for chat in chats:
            text = QUESTIONS[(chat + i) % len(QUESTIONS)]
            emu.user_message(chat, text)
            asked[chat].append(text)
    return asked


def update_chat(update: dict) -> int:
    body = update.get("message") or update["callback_query"]["message"]
    return int(body["chat"]["id"])


def assert_fetched_exactly_answered(emu: BotAPIEmulator, expected: dict[int, list[str]]) -> int:
    """Every chat shows the replies to exactly its confirmed updates, in order; the rest are pending.

    Returns how many updates were still pending at Telegram.
    """
    pending = Counter(update_chat(u) for u in emu.updates.pending)
    assert all(u["update_id"] >= emu.updates.confirmed_offset for u in emu.updates.pending)
    for chat, texts in expected.items():
        answered = len(texts) - pending[chat]
        assert [m.html for m in emu.messages(chat)] == texts[:answered], f"chat {chat}"
    return sum(pending.values())


async def test_stop_answers_what_was_fetched_and_a_restart_answers_the_rest(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = bot_settings(emu, tmp_path / "data")
    replies = {text: engine.reply(text).text for text in QUESTIONS}
    bot = await RunningBot.start(settings, engine)
    asked = inject_burst(emu, range(100, 130), per_chat=10)
    await emu.wait_until(lambda: len(emu.all_messages()) >= 20)
    answered_before_stop = len(emu.all_messages())
    await bot.stop()  # what run_polling does on SIGTERM
    expected = {chat: [replies[t] for t in texts] for chat, texts in asked.items()}
    left = assert_fetched_exactly_answered(emu, expected)
    fetched = 300 - left
    assert answered_before_stop < fetched, "the stop came while fetched updates were still queued"
    assert emu.calls_to("getUpdates")[-1].params.get("timeout") == 0  # the confirming call

    # While the bot is down: more questions, and presses on its messages. Two presses are
    # too old for Telegram to accept an answer by the time the bot is back.
    down_chats = range(100, 104)
    for chat in down_chats:
        message = emu.messages(chat)[0]
        data = answer_buttons(message)[0]
        update = emu.press_button(chat, message.message_id, data)
        expected[chat].append(engine.press(data).text)
        if chat < 102:
            del emu.open_callback_queries[update["callback_query"]["id"]]
        emu.user_message(chat, "what is kpo")
        expected[chat].append(replies["what is kpo"])
    emu.user_message(999, "/help")
    expected[999] = [engine.help().text]

    restarted = await RunningBot.start(settings, engine)
    try:
        total = sum(len(texts) for texts in expected.values())
        await emu.wait_until(lambda: len(emu.all_messages()) >= total, timeout=20)
        await emu.wait_until(lambda: emu.updates.confirmed_offset > emu.updates.last_update_id)
        await restarted.app.update_queue.join()
    finally:
        await restarted.stop()
    for chat, texts in expected.items():
        assert [m.html for m in emu.messages(chat)] == texts, f"chat {chat}"
    assert len(emu.callback_answers) == 2  # the two still-open presses; the expired ones got replies
    assert unhandled_errors(caplog.records) == []
    assert [c for c in failed_calls(emu) if "query is too old" not in c] == []


async def test_stop_while_a_reply_is_being_retried_delivers_it_first(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bot = await RunningBot.start(bot_settings(emu, tmp_path / "data"), engine)
    emu.fail_next(1, "429", methods={"sendMessage"}, retry_after=1)
    emu.user_message(42, "what is kpo")
    await emu.wait_until(lambda: len(emu.calls_to("sendMessage")) == 1)
    await bot.stop()
    assert [m.html for m in emu.messages(42)] == [engine.reply("what is kpo").text]
    assert emu.updates.pending == []
    assert unhandled_errors(caplog.records) == []


# -- `kpo-bot run` as a process --------------------------------------------------------------


class BotProcess:
    """`python -m bot.cli run` with the emulator's address in its environment."""

    def __init__(self, emu: BotAPIEmulator, tmp_path: Path, name: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KPO_BOT_"))}
        self.env.update(environment(emu, tmp_path / "data", KPO_BOT_LOG_LEVEL="DEBUG"))
        self.cwd = tmp_path  # no .env there
        self.log = tmp_path / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", cwd=self.cwd, env={**self.env, "PYTHONPATH": str(ROOT)},
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT)

    async def terminate(self, timeout: float = 30) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


async def test_kpo_bot_run_as_a_process_answers_and_stops_cleanly_on_sigterm(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> None:
    replies = {text: engine.reply(text).text for text in QUESTIONS}
    first = BotProcess(emu, tmp_path, "first")
    await first.start()
    try:
        emu.user_message(42, "/start")
        emu.user_message(42, "what is kpo")
        sent = await emu.wait_for_messages(42, 2, timeout=60)
        assert [m.html for m in sent] == [engine.start().text, replies["what is kpo"]]
        assert emu.my_commands() == [{"command": c, "description": d} for c, d in engine.commands()]

        asked = inject_burst(emu, range(100, 120), per_chat=10)
        await emu.wait_until(lambda: len(emu.all_messages()) >= 12, timeout=30)
        answered_before_sigterm = len(emu.all_messages())
        code = await first.terminate()
    finally:
        await first.kill()
    output = first.output()
    assert code == 0, output[-3000:]
    assert "Traceback" not in output and " ERROR " not in output and " CRITICAL " not in output
    assert SECRET not in output
    final = emu.calls_to("getUpdates")[-1]
    assert final.params.get("timeout") == 0 and final.ok
    assert final.params.get("offset") == emu.updates.confirmed_offset
    expected = {chat: [replies[t] for t in texts] for chat, texts in asked.items()}
    left = assert_fetched_exactly_answered(emu, expected)
    assert answered_before_sigterm < 2 + 200 - left, "SIGTERM came while fetched updates were queued"
    assert (tmp_path / "data" / "bot-state.pickle").is_file()  # persistence flushed on the way out

    emu.user_message(43, "what is bpo")  # arrives while the bot is down
    expected[43] = [replies["what is bpo"]]
    second = BotProcess(emu, tmp_path, "second")
    await second.start()
    try:
        total = sum(len(texts) for texts in expected.values()) + 2
        await emu.wait_until(lambda: len(emu.all_messages()) >= total, timeout=60)
        await emu.wait_until(lambda: emu.updates.pending == [], timeout=10)
        code = await second.terminate()
    finally:
        await second.kill()
    assert code == 0, second.output()[-3000:]
    assert "Traceback" not in second.output()
    for chat, texts in expected.items():
        assert [m.html for m in emu.messages(chat)] == texts, f"chat {chat}"
    assert len(emu.messages(42)) == 2
    assert failed_calls(emu) == []
    assert emu.updates.confirmed_offset == emu.updates.last_update_id + 1
