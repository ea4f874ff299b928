"""The token stays secret; button data is never trusted.

Every end-to-end test already fails if a log record shows the token (see
conftest.py); these add the error paths, where a token could hide in an
exception's text, and show that button payloads never reach the file system.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot import callbacks
from bot.engine import Engine
from bot.settings import load_settings
from bot.telegram.app import build_application
from tests.e2e.harness import SECRET, TOKEN, RunningBot, bot_settings, emulator, environment, token_leaks
from tests.emulator import BotAPIEmulator
from tests.fuzz_inputs import FRAGMENTS

ROOT = Path(__file__).resolve().parents[2]


def chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and everything it was raised from or during."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def assert_secret_absent(exc: BaseException) -> None:
    for link in chain(exc):
        assert SECRET not in str(link) and SECRET not in repr(link), repr(link)


OTHER_TOKEN = "987654321:AAFwrongWrongWrongWrongWrongWrong12"


async def test_a_token_telegram_refuses_is_not_logged(
        emu: BotAPIEmulator, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(environment(emu, tmp_path, TELEGRAM_BOT_TOKEN=OTHER_TOKEN), dotenv=None)
    app = build_application(settings, engine)
    with pytest.raises(InvalidToken):  # whose text, PTB's, quotes the token: `kpo-bot run` hides it
        await app.initialize()
    assert token_leaks(caplog.records, OTHER_TOKEN) == []


async def test_kpo_bot_run_says_a_refused_token_was_refused_without_showing_it(
        emu: BotAPIEmulator, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KPO_BOT_"))}
    env.update(environment(emu, tmp_path / "data", TELEGRAM_BOT_TOKEN=OTHER_TOKEN, KPO_BOT_LOG_LEVEL="DEBUG"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 2, text[-2000:]
    assert text.rstrip().splitlines()[-1].startswith("kpo-bot: Telegram rejected TELEGRAM_BOT_TOKEN")
    assert OTHER_TOKEN.split(":")[1] not in text


async def test_an_unreachable_api_is_reported_without_the_token(
        engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with emulator() as emu:
        settings = bot_settings(emu, tmp_path, KPO_BOT_TIMEOUT="1", KPO_BOT_MAX_RETRIES="1")
    app = build_application(settings, engine)  # the emulator has stopped: connection refused
    with pytest.raises(TelegramError) as raised:
        await app.initialize()
    assert isinstance(raised.value, NetworkError)
    assert_secret_absent(raised.value)


async def test_a_failing_send_logs_its_error_without_the_token(
        bot: RunningBot, emu: BotAPIEmulator, caplog: pytest.LogCaptureFixture) -> None:
    emu.fail_next(10, "502", methods={"sendMessage"})
    emu.user_message(42, "what is kpo")
    await emu.wait_until(lambda: any(r.levelno >= logging.ERROR for r in caplog.records), timeout=10)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and token_leaks(errors) == []
    assert TOKEN not in caplog.text and SECRET not in caplog.text


# -- button data ----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    "a:../../etc/passwd", "a:/etc/passwd", "a:..", "a:x/y", "a:x\\y", "a:%2e%2e", "a:what_is_kpo/../x",
    "A:what_is_kpo", "a:what_is_kpo\n", "a: what_is_kpo", "a:what_is_kpo ", "a:Ｗhat", "a:٣",
    "a:__class__.__init__", "a:{engine}", "t:" + "x" * 33, "a", "a:", ":", "", "x" * 65,
])
def test_forged_payloads_do_not_parse(data: str) -> None:
    assert callbacks.decode(data) is None


class FileAccess:
    """Records file-system and code-execution audit events while on (audit hooks cannot be removed)."""

    WATCHED = ("open", "os.listdir", "os.scandir", "os.remove", "os.rename", "shutil.", "subprocess.",
               "exec", "compile", "pickle.find_class", "os.system")

    def __init__(self) -> None:
        self.on = False
        self.events: list[tuple[str, str]] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.on and event.startswith(self.WATCHED):
            self.events.append((event, repr(args)[:120]))


_ACCESS = FileAccess()


def test_button_data_never_reaches_the_file_system_or_code(engine: Engine) -> None:
    valid = [f"a:{i}" for i in engine.kb.faq] + [f"t:{i}" for i in engine.kb.tasks]
    forged = ["a:../../etc/passwd", "a:/etc/passwd", "t:../knowledge/faq", "a:__import__('os')",
              *FRAGMENTS]
    for data in valid + forged:  # warm up: templates are loaded and compiled once
        engine.press(data)
    _ACCESS.events.clear()
    _ACCESS.on = True
    try:
        for data in valid + forged:
            engine.press(data)
    finally:
        _ACCESS.on = False
    assert _ACCESS.events == []
    assert {engine.press(d).kind for d in forged} == {"stale"}
