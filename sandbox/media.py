"""Photos and documents a bot sends: uploads, attach:// parts, file_ids or HTTP URLs."""

from __future__ import annotations

import io
import mimetypes
from typing import Any

import httpx
from PIL import Image, UnidentifiedImageError

from sandbox import errors
from sandbox.errors import BotApiError, bad_request
from sandbox.params import Params, Upload
from sandbox.records import StoredFile
from sandbox.state import Sandbox

FOLDER_OF_KIND = {"photo": "photos", "document": "documents"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def kind_of(stored: StoredFile) -> str:
    """Return "photo" or "document" for a stored file."""
    return "photo" if stored.file_path.startswith("photos/") else "document"


def image_size(content: bytes) -> tuple[int, int] | None:
    """Return (width, height) if `content` is an image Pillow can read, else None."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def store_upload(
    sandbox: Sandbox, kind: str, content: bytes, mime_type: str, file_name: str | None
) -> StoredFile:
    """Keep uploaded bytes as a photo (checked to be an image) or a document."""
    if kind == "photo":
        if len(content) > MAX_PHOTO_BYTES:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        size = image_size(content)
        if size is None:
            raise BotApiError(400, errors.IMAGE_PROCESS_FAILED)
        return sandbox.store_file(content, "image/jpeg", None, "photos", *size)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise bad_request("file is too big")
    return sandbox.store_file(content, mime_type, file_name, "documents")


async def resolve_input_file(sandbox: Sandbox, params: Params, value: Any, kind: str) -> StoredFile:
    """Return the stored file a photo/document parameter refers to, or raise Telegram's 400."""
    if isinstance(value, str) and value.startswith("attach://"):
        value = params.get(value.removeprefix("attach://"))
        if not isinstance(value, Upload):
            raise BotApiError(400, errors.WRONG_FILE)
    if isinstance(value, Upload):
        mime = value.content_type
        if mime == "application/octet-stream" and value.filename:
            mime = mimetypes.guess_type(value.filename)[0] or mime
        return store_upload(sandbox, kind, value.content, mime, value.filename)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith(("http://", "https://")):
        return await _fetch_url(sandbox, value, kind)
    stored = sandbox.files.get(value)
    if stored is None:
        raise BotApiError(400, errors.WRONG_FILE)
    if kind_of(stored) != kind:
        raise bad_request(
            f"can't use file of type {kind_of(stored).capitalize()} as {kind.capitalize()}"
        )
    return stored


async def _fetch_url(sandbox: Sandbox, url: str, kind: str) -> StoredFile:
    """Download a file the bot gave by URL, as Telegram's servers would."""
    try:
        async with httpx.AsyncClient(
            timeout=sandbox.settings.url_fetch_timeout_seconds, follow_redirects=True
        ) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise BotApiError(400, errors.URL_CONTENT_FAILED) from exc
    if response.status_code != 200:
        raise BotApiError(400, errors.URL_CONTENT_FAILED)
    mime = response.headers.get("content-type", "application/octet-stream").split(";")[0]
    file_name = url.rsplit("/", 1)[-1].split("?")[0] or None
    if kind == "photo" and image_size(response.content) is None:
        raise bad_request("wrong type of the web page content")
    return store_upload(sandbox, kind, response.content, mime, file_name)
