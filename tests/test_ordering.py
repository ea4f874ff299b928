"""ChatOrderedUpdateProcessor: concurrent across chats, in order within one, bounded."""

from __future__ import annotations

import asyncio
import random

import pytest
from telegram import Update

from bot.telegram.ordering import ChatOrderedUpdateProcessor, ordering_key


def message_update(update_id: int, chat: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1, "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "A"}, "text": "hi"}}, None)


def inline_update(update_id: int, user: int) -> Update:
    return Update.de_json({"update_id": update_id, "inline_query": {
        "id": str(update_id), "from": {"id": user, "is_bot": False, "first_name": "A"},
        "query": "", "offset": ""}}, None)


def test_ordering_keys() -> None:
    assert ordering_key(message_update(1, 42)) == ("chat", 42)
    assert ordering_key(inline_update(2, 7)) == ("user", 7)
    assert ordering_key(object()) is None


async def test_one_chat_in_order_chats_concurrently_never_more_than_the_limit() -> None:
    processor = ChatOrderedUpdateProcessor(4)
    rng = random.Random(5)
    running, peak = 0, 0
    done: dict[int, list[int]] = {}

    async def handle(update_id: int, chat: int, delay: float) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(delay)
        done.setdefault(chat, []).append(update_id)
        running -= 1

    tasks = []
    for update_id in range(300):  # as the Application does: one task per update, in arrival order
        chat = rng.randrange(12)
        coroutine = handle(update_id, chat, rng.random() * 0.004)
        tasks.append(asyncio.create_task(processor.process_update(message_update(update_id, chat), coroutine)))
    await asyncio.gather(*tasks)
    assert sum(map(len, done.values())) == 300
    assert all(ids == sorted(ids) for ids in done.values())
    assert peak == 4


async def test_a_cancelled_update_does_not_block_its_chat() -> None:
    processor = ChatOrderedUpdateProcessor(2)
    release = asyncio.Event()
    finished: list[int] = []

    async def handle(update_id: int, wait: bool) -> None:
        if wait:
            await release.wait()
        finished.append(update_id)

    first = asyncio.create_task(processor.process_update(message_update(1, 42), handle(1, True)))
    second = asyncio.create_task(processor.process_update(message_update(2, 42), handle(2, False)))
    third = asyncio.create_task(processor.process_update(message_update(3, 42), handle(3, False)))
    for _ in range(20):  # let all three reach the processor: the second and third wait
        await asyncio.sleep(0)
    second.cancel()  # cancelled while waiting for the first: never runs, holds nobody up
    release.set()
    await asyncio.gather(first, third)
    with pytest.raises(asyncio.CancelledError):
        await second
    assert finished == [1, 3]


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ChatOrderedUpdateProcessor(0)


def test_concurrency_comes_from_settings() -> None:
    from bot.settings import SettingsError, load_settings

    assert load_settings({}, dotenv=None).concurrency == 8
    assert load_settings({"KPO_BOT_CONCURRENCY": "1"}, dotenv=None).concurrency == 1
    with pytest.raises(SettingsError, match="KPO_BOT_CONCURRENCY"):
        load_settings({"KPO_BOT_CONCURRENCY": "0"}, dotenv=None)


async def test_the_update_queue_holds_back_new_updates_while_the_backlog_is_full() -> None:
    """Fetching waits while a backlog is being handled, so unfetched updates stay with Telegram."""
    from bot.telegram.ordering import BackpressureQueue

    queue = BackpressureQueue(high_water=3)
    for update_id in range(3):
        await queue.put(Update(update_id))
    await queue.put(object())  # PTB's stop signal: not part of the backlog
    waiting = asyncio.ensure_future(queue.room())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiting.done() and queue.backlog == 3
    queue.get_nowait()
    queue.task_done()  # one update handled: room for the next batch
    await waiting
    assert queue.backlog == 2
