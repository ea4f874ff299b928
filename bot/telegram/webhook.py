"""Refusing oversized webhook requests before their body is read.

PTB's webhook server (tornado) reads a request's whole body, up to tornado's
default of 100 MB, before it checks the secret header: anyone who can reach the
port can make the bot hold hundreds of megabytes. An update is a few kilobytes,
so the server is given a body limit of 1 MiB; a request announcing more is
refused as soon as its headers arrive, and one sending more is cut off. The
reverse proxy should refuse such bodies too (README, `client_max_body_size`).

PTB builds its tornado HTTPServer inside Updater.start_webhook with no way to
pass options, so the server class its webhook module uses is swapped for one
that sets the limit.
"""

from __future__ import annotations

from typing import Any

from tornado.httpserver import HTTPServer

MAX_BODY_BYTES = 1024 * 1024
"""Largest webhook request body accepted; Telegram's updates are far smaller."""


class LimitedHTTPServer(HTTPServer):
    """tornado's HTTPServer with a request body limit (and a matching header limit)."""

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_body_size", MAX_BODY_BYTES)
        kwargs.setdefault("max_header_size", 64 * 1024)
        super().initialize(*args, **kwargs)


def limit_webhook_bodies() -> None:
    """Make PTB's webhook server refuse request bodies over MAX_BODY_BYTES."""
    from telegram.ext._utils import webhookhandler

    setattr(webhookhandler, "HTTPServer", LimitedHTTPServer)  # noqa: B010 - not an attribute PTB exports
