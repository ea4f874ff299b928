"""BotAPIEmulator: the emulated Bot API served over HTTP on 127.0.0.1.

Why over real HTTP: the bot under test must run unchanged, with
python-telegram-bot's own HTTP client, timeouts and error mapping, either in
the test's event loop or as a subprocess pointed at ``base_url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from .errors import ApiError, too_many_requests
from .faults import Fault, FaultPlan, make_fault
from .methods import CANONICAL, BotMethods
from .params import read_params
from .state import CallRecord, SentMessage, now

_PATH = re.compile(r"^/bot([^/]*)/([^/]*)$")
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_KEEP = object()  # "use the secret setWebhook was given"


@dataclass
class WebhookDelivery:
    """One POST of an update to the bot's webhook."""

    update_id: int
    url: str
    status: int  # HTTP status the bot answered; 0 when the connection failed
    secret_sent: str | None
    error: str | None = None
    at: float = field(default_factory=lambda: float(now()))


class BotAPIEmulator(BotMethods):
    """A local Telegram Bot API server for tests.

    Use ``async with BotAPIEmulator() as emu`` and give python-telegram-bot
    ``base_url=emu.base_url``.  Inject updates with :meth:`user_message`,
    :meth:`press_button`, :meth:`inline_query` ...; read the bot's messages
    with :meth:`messages`, every call with :attr:`calls`; plan failures with
    :meth:`fail_next` and :meth:`fail_share`.
    """

    def __init__(
        self, token: str = "123456:TEST-token", *, bot_username: str = "kpo_test_bot", bot_id: int = 123456,
    ) -> None:
        super().__init__(bot_id=bot_id, bot_username=bot_username)
        self.token = token
        self.faults = FaultPlan()
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing: asyncio.Event | None = None
        self._delivery_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle -----------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (port 0: any free port)."""
        self._closing = asyncio.Event()
        self.updates.closed = False
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a client that gives up (timeout, drop) cancels its call.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Answer waiting pollers, stop webhook delivery, close the server."""
        if self._closing is not None:
            self._closing.set()
        self.updates.close()
        await self.stop_webhook_delivery()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as base_url; it appends the token itself."""
        return f"http://127.0.0.1:{self._port}/bot"

    # -- HTTP ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        record = CallRecord(method="", params={}, status=0, description="no answer: client went away")
        try:
            return await self._serve(request, record)
        finally:
            self.calls.append(record)

    async def _serve(self, request: web.Request, record: CallRecord) -> web.StreamResponse:
        try:
            record.method = self._route(request.path, record)
            record.params = await read_params(request)
            fault = self.faults.pick(record.method.lower())
            if fault is not None and fault.kind != "late":
                return await self._fail(fault, request, record)
            result = getattr(self, f"api_{record.method}")(record.params)
            if inspect.isawaitable(result):
                result = await result
            if fault is not None:  # "late": done, but the answer comes after the client gave up
                record.fault, record.status, record.description = fault.kind, 200, "answered late"
                await self._sleep(fault.delay)
        except ApiError as error:
            record.status, record.description = error.code, error.description
            return web.json_response(error.body(), status=error.code)
        record.status, record.description = 200, None
        return web.json_response({"ok": True, "result": result})

    def _route(self, path: str, record: CallRecord) -> str:
        """The canonical method name, or Telegram's 404/401 for the URL."""
        match = _PATH.match(path)
        if match is None:
            raise ApiError(404, "Not Found")
        token, method = match.groups()
        record.method = method
        if not _TOKEN_SHAPE.match(token):
            raise ApiError(404, "Not Found")
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        if method.lower() not in CANONICAL:
            raise ApiError(404, "Not Found: method not found")
        return CANONICAL[method.lower()]

    async def _fail(self, fault: Fault, request: web.Request, record: CallRecord) -> web.StreamResponse:
        """Answer a faulted call; it never takes effect."""
        record.fault = fault.kind
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        if fault.kind == "500":
            raise ApiError(500, "Internal Server Error")
        if fault.kind == "502":
            record.status, record.description = 502, "Bad Gateway"
            return web.Response(status=502, text=_NGINX_502, content_type="text/html")
        if fault.kind == "slow":
            record.description = "no answer: slow"
            await self._sleep(fault.delay)
            raise ApiError(504, "Gateway Timeout")
        record.description = "no answer: connection dropped"
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError

    async def _sleep(self, delay: float) -> None:
        """Sleep, but wake when the emulator stops so shutdown never waits."""
        assert self._closing is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._closing.wait(), delay)

    # -- faults --------------------------------------------------------------------

    def fail_next(
        self, n: int, kind: str, *, methods: set[str] | None = None, retry_after: int = 1, delay: float = 0.0,
    ) -> None:
        """Fail the next ``n`` calls (all methods but getUpdates unless ``methods`` says).

        kind: "429" (flood control with retry_after), "500", "502" (nginx's HTML
        page), "slow" (no answer for ``delay`` s, then 504), "drop" (connection
        closed without an answer): these never take effect.  "late": the call
        takes effect and is answered only after ``delay`` s.
        """
        self.faults.fail_next(n, make_fault(kind, retry_after, delay), methods)

    def fail_share(
        self, share: float, kind: str, *, methods: set[str] | None = None, seed: int = 0,
        retry_after: int = 1, delay: float = 0.0,
    ) -> None:
        """Fail each matching call with probability ``share`` until :meth:`clear_faults`."""
        self.faults.fail_share(share, make_fault(kind, retry_after, delay), methods, seed)

    def redeliver(self, update: dict[str, Any]) -> None:
        """Queue an update again under its own update_id, as Telegram does after a slow webhook answer."""
        self.updates.pending.append(dict(update))
        self.updates.terminate_poller(None)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- reading and waiting -------------------------------------------------------

    def calls_to(self, method: str) -> list[CallRecord]:
        """The recorded calls of one method (any letter case)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, *, what: str = "") -> None:
        """Wait until ``predicate()`` is true; on timeout fail with what the bot did."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        error: Exception | None = None
        while True:
            try:
                if predicate():
                    return
            except Exception as exc:  # e.g. IndexError while the message is not there yet
                error = exc
            if loop.time() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, error, what))
            await asyncio.sleep(0.01)

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """Wait until the bot has sent at least ``count`` messages to the chat; return them."""
        await self.wait_until(
            lambda: len(self.messages(chat_id)) >= count, timeout,
            what=f"{count} bot message(s) in chat {chat_id}",
        )
        return self.messages(chat_id)

    def _timeout_report(self, predicate: Callable[[], bool], timeout: float, error: Exception | None, what: str) -> str:
        lines = [f"timed out after {timeout} s waiting for {what or _describe(predicate)}"]
        if error is not None:
            lines.append(f"  last error from the predicate: {error!r}")
        lines.append(f"  pending updates: {[u['update_id'] for u in self.updates.pending]}")
        for chat_id in self.chats:
            texts = [m.text[:60] or f"poll: {(m.poll or {}).get('question', '')[:54]}"
                     for m in self.messages(chat_id)]
            lines.append(f"  bot messages in chat {chat_id}: {texts}")
        lines.append("  last calls:")
        for call in [c for c in self.calls if c.method != "getUpdates"][-10:]:
            lines.append(f"    {call.method} -> {call.status} {call.description or ''}".rstrip())
        return "\n".join(lines)

    # -- webhook delivery ----------------------------------------------------------

    @property
    def last_webhook_status(self) -> int | None:
        return self.webhook_deliveries[-1].status if self.webhook_deliveries else None

    async def deliver_webhook_once(self, *, secret_token: Any = _KEEP) -> WebhookDelivery | None:
        """POST the oldest pending update to the webhook; None if nothing to send.

        ``secret_token`` overrides the header (None: send none) to test refusal.
        On a 2xx answer the update counts as delivered, otherwise it stays queued.
        """
        url = self.webhook["url"]
        pending = self.updates.deliverable(1)
        if not url or not pending:
            return None
        secret = self.webhook["secret_token"] if secret_token is _KEEP else secret_token
        delivery = await self._post_update(url, pending[0], secret)
        self.webhook_deliveries.append(delivery)
        if 200 <= delivery.status < 300:
            self.updates.remove(pending[0]["update_id"])
        else:
            self.webhook_last_error = (now(), delivery.error or f"Wrong response from the webhook: {delivery.status}")
        return delivery

    async def _post_update(self, url: str, update: dict[str, Any], secret: str | None) -> WebhookDelivery:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            async with self._session.post(url, json=update, headers=headers) as response:
                await response.read()
                return WebhookDelivery(update["update_id"], url, response.status, secret)
        except (TimeoutError, aiohttp.ClientError) as exc:
            return WebhookDelivery(update["update_id"], url, 0, secret, error=f"Connection failed: {exc!r}")

    async def start_webhook_delivery(self, *, secret_token: Any = _KEEP, retry_delay: float = 0.1) -> None:
        """Keep POSTing pending updates to the webhook, like Telegram, until stopped."""
        await self.stop_webhook_delivery()
        self._delivery_task = asyncio.create_task(self._deliver_forever(secret_token, retry_delay))

    async def stop_webhook_delivery(self) -> None:
        task, self._delivery_task = self._delivery_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_forever(self, secret_token: Any, retry_delay: float) -> None:
        while True:
            delivery = await self.deliver_webhook_once(secret_token=secret_token)
            if delivery is None:
                await asyncio.sleep(0.01)
            elif not 200 <= delivery.status < 300:
                await asyncio.sleep(retry_delay)


def _describe(predicate: Callable[[], bool]) -> str:
    """The predicate's source line if available, else its name."""
    with contextlib.suppress(OSError, TypeError):
        return inspect.getsource(predicate).strip()
    return getattr(predicate, "__name__", repr(predicate))
