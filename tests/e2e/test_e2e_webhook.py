"""Webhook mode: the secret never logged, large bodies refused before they are read."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram.ext import Application

from bot.engine import Engine
from bot.telegram.app import build_application, webhook_options
from tests.e2e.harness import bot_settings, record_text
from tests.emulator import BotAPIEmulator

ANN = 951
SECRET = "w3bh00k-secret-value-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_app(emu: BotAPIEmulator, engine: Engine, tmp_path: Path) -> AsyncIterator[tuple[Application, str]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/kpo-hook"
    settings = bot_settings(emu, tmp_path, KPO_BOT_WEBHOOK_URL=url, KPO_BOT_WEBHOOK_PORT=str(port),
                            KPO_BOT_WEBHOOK_SECRET=SECRET)
    app = build_application(settings, engine)
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_webhook(**webhook_options(settings))
    await app.start()
    try:
        yield app, url
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_the_webhook_secret_is_never_logged(
        emu: BotAPIEmulator, webhook_app: tuple[Application, str], caplog: pytest.LogCaptureFixture) -> None:
    emu.user_message(ANN, "what is kpo", user_id=ANN)
    accepted = await emu.deliver_webhook_once()
    assert accepted is not None and accepted.status == 200
    await emu.wait_for_messages(ANN, 1)
    assert emu.webhook["secret_token"] == SECRET
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert any("setWebhook" in r.getMessage() for r in records)  # PTB logs its parameters at DEBUG
    leaks = [record_text(r)[:200] for r in records if SECRET in record_text(r)]
    assert leaks == []


async def test_a_large_body_is_refused_before_it_is_read(
        emu: BotAPIEmulator, webhook_app: tuple[Application, str]) -> None:
    _, url = webhook_app
    body = b"{" + b" " * (8 * 1024 * 1024) + b"}"
    async with aiohttp.ClientSession() as session:
        try:
            async with session.post(url, data=body, headers={
                    "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "wrong"}) as response:
                status = response.status
        except aiohttp.ClientError:
            status = 0  # the server closed the connection without reading the body
    assert status in (0, 400, 413)
    emu.user_message(ANN, "what is kpo", user_id=ANN)  # and it still serves Telegram
    accepted = await emu.deliver_webhook_once()
    assert accepted is not None and accepted.status == 200
    await emu.wait_for_messages(ANN, 1)
