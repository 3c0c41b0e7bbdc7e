"""Sending a photo by Telegram's file id, with the bot's own copy to fall back on.

A stored file id can still be refused ("wrong file identifier"): another bot token, a restored
backup, a reset sandbox. Then the copy the bot kept (bot/photos.py) is uploaded, the new file
id is remembered for the next sends, and the message goes out — the send does not fail.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import InputFile, Message
from telegram.error import BadRequest

from bot.photos import read_copy

log = logging.getLogger(__name__)

PhotoValue = str | InputFile
Send = Callable[[PhotoValue], Awaitable[Any]]
Remember = Callable[[str], Awaitable[None]]


class NoPhotoCopy(Exception):
    """The file id was refused (or there was none) and no copy of the photo is kept."""


def file_id_refused(error: BadRequest) -> bool:
    """True when Telegram refused the photo's file id itself (not the rest of the call)."""
    return "file identifier" in error.message.lower()


def sent_file_id(sent: object) -> str | None:
    """The file id Telegram gave the photo of a sent or edited message."""
    if isinstance(sent, Message) and sent.photo:
        return sent.photo[-1].file_id
    return None


async def send_photo(
    send: Send, *, file_id: str | None, copy_path: str | None, remember: Remember | None = None
) -> Any:
    """Send by `file_id`; if it is refused (or missing), upload the copy once and remember it."""
    if file_id:
        try:
            return await send(file_id)
        except BadRequest as error:
            if not file_id_refused(error) or not copy_path:
                raise
            log.warning("Telegram refused a stored photo file id; uploading the kept copy")
    content = await read_copy(copy_path)
    if content is None:
        raise NoPhotoCopy(copy_path or "no copy")
    # attach=True: the same upload works as sendPhoto's `photo` and inside an InputMediaPhoto.
    upload = InputFile(content, filename=Path(copy_path or "photo.jpg").name, attach=True)
    sent = await send(upload)
    new_id = sent_file_id(sent)
    if new_id is not None and remember is not None:
        await remember(new_id)
    return sent
