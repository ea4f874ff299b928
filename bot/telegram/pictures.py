"""Sending the comparison picture: uploaded once per version, then sent by Telegram's file_id.

Telegram keeps a photo it was sent and answers with a file_id that sends it again
without the bytes, so each version of the picture (its key changes with the
knowledge base and the wording) is drawn and uploaded once; every later send, in
any chat, names the file_id. Presses at the same moment wait for that one upload
rather than each uploading. The ids live in bot_data, which is not persisted: after
a restart the first press uploads again. Should Telegram no longer know an id, the
picture is uploaded again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.picture import Picture
from bot.reply import Reply

PHOTOS_KEY = "photo_ids"
"""bot_data key of the file_ids of pictures sent before."""
_LOG = logging.getLogger(__name__)


@dataclass
class PhotoIds:
    """Telegram's file_id for each picture version uploaded, and the lock that makes it one upload."""

    ids: dict[str, str] = field(default_factory=dict)
    upload: asyncio.Lock = field(default_factory=asyncio.Lock)


def photo_ids(context: ContextTypes.DEFAULT_TYPE) -> PhotoIds:
    """The application's file_ids of pictures sent before."""
    store: PhotoIds = context.bot_data.setdefault(PHOTOS_KEY, PhotoIds())
    return store


async def send_picture(message: Message, context: ContextTypes.DEFAULT_TYPE, reply: Reply,
                       do_quote: bool | None = None) -> Message:
    """Send a "picture" reply in the message's chat: by file_id when Telegram has it, else uploaded."""
    picture = reply.picture
    if picture is None:
        raise ValueError("a picture reply without a picture")
    store = photo_ids(context)
    known = store.ids.get(picture.key)
    if known is not None:
        try:
            return await message.reply_photo(known, caption=reply.text, do_quote=do_quote)
        except BadRequest as exc:
            if "file" not in str(exc).lower():  # not about the file: the upload would fail alike
                raise
            _LOG.info("Telegram no longer knows the picture's file_id (%s); uploading it again", exc)
            if store.ids.get(picture.key) == known:
                del store.ids[picture.key]
    async with store.upload:
        known = store.ids.get(picture.key)
        if known is not None:  # uploaded while this press waited
            return await message.reply_photo(known, caption=reply.text, do_quote=do_quote)
        return await _upload(message, store, picture, reply.text, do_quote)


async def _upload(message: Message, store: PhotoIds, picture: Picture, caption: str,
                  do_quote: bool | None) -> Message:
    png = await asyncio.to_thread(picture.png)  # drawing takes a moment: not on the event loop
    sent = await message.reply_photo(png, caption=caption, filename=picture.filename, do_quote=do_quote)
    if sent.photo:
        store.ids[picture.key] = sent.photo[-1].file_id
    return sent
