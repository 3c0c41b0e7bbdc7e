"""The bot's own copy of every item photo: Telegram's file id is a cache, the bytes are the truth.

An expert's photo arrives as a Telegram file id. The bot downloads the bytes once, when the
publisher receives the photo, and keeps them under the data directory; the demo's photos are
drawn there. When Telegram later refuses a stored file id, the copy is uploaded again
(bot/delivery/photo_upload.py).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

PHOTO_FOLDER = "item_photos"
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # the most a bot may download through getFile


def photo_folder(data_dir: Path) -> Path:
    """Where item photos are kept."""
    return data_dir / PHOTO_FOLDER


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".photo-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def keep_copy(folder: Path, name: str, content: bytes) -> Path:
    """Store a photo's bytes as `folder/name` (written whole or not at all); return the path."""
    if not content or len(content) > MAX_PHOTO_BYTES:
        raise ValueError("a photo copy must be 1 byte to 20 MB")
    if Path(name).name != name or name.startswith("."):
        raise ValueError("a photo copy's name is a plain file name")
    path = folder / name
    await asyncio.to_thread(_write_atomically, path, content)
    return path


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() or None
    except OSError:
        return None


async def read_copy(path: str | None) -> bytes | None:
    """A kept photo's bytes, or None when there is none (no path, or the file is gone)."""
    if not path:
        return None
    return await asyncio.to_thread(_read, Path(path))
