"""Photos and documents a bot sends: uploads, attach:// parts, file_ids or HTTP URLs.

`Client::get_input_file`: a non-empty parameter is a remote file (a file_id, or a URL: td takes
any string containing "." as a URL), "attach://<name>" names a multipart part; an empty one
means the multipart part of the parameter's own name. td then refuses strings that are not
file_ids with its own texts (`FileManager::from_persistent_id`); the sandbox's file_ids are its
own format, so an unknown one in that format gets what Telegram answers for a well-formed id it
does not know ("wrong file identifier/HTTP URL specified").
"""

from __future__ import annotations

import base64
import io
import mimetypes
import re

import httpx
from PIL import Image, UnidentifiedImageError

from sandbox import errors
from sandbox.errors import BotApiError, bad_request, td_error
from sandbox.links import UrlError, parse_url
from sandbox.params import Params, Upload
from sandbox.records import StoredFile
from sandbox.state import Sandbox
from sandbox.tdjson import BASE64URL_CHARS

FOLDER_OF_KIND = {"photo": "photos", "document": "documents"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
SANDBOX_FILE_ID = re.compile(r"^SBX[A-Z]{2}[0-9]{6}[0-9a-f]{24}$")
_BASE64URL = frozenset(BASE64URL_CHARS)
# td's PERSISTENT_ID_VERSION_OLD, _GENERATED and PERSISTENT_ID_VERSION (last byte of an id).
PERSISTENT_ID_VERSIONS = (2, 3, 4)


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
    """Keep uploaded bytes as a photo (checked to be an image) or a document.

    Telegram's documented limits (10 MB per photo, 50 MB per upload); the texts are Telegram's
    server errors as observed, not the Bot API server's.
    """
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


def file_reference(params: Params, name: str) -> str | Upload | None:
    """Client::get_input_file for a top-level parameter: a remote reference, an upload or None."""
    return reference(params, params.arg(name), name)


def reference(params: Params, value: str, own_name: str = "") -> str | Upload | None:
    """Client::get_input_file(query, field, file_id): "attach://x" is the part x; any other
    non-empty value is a file_id or URL; an empty one is the part named `own_name`."""
    if value and not value.startswith("attach://"):
        return value
    return params.file(value.removeprefix("attach://") if value else own_name)


def _base64url_error(text: str) -> str | None:
    """Return td's base64url_decode error for `text`, or None when it decodes."""
    stripped = text.rstrip("=")
    padding = len(text) - len(stripped)
    if padding >= 3:
        return "Wrong string padding"
    if padding > 0 and (len(stripped) + padding) % 4 != 0:
        return "Wrong padding length"
    if len(stripped) % 4 == 1:
        return "Wrong string length"
    if any(char not in _BASE64URL for char in stripped):
        return "Wrong character in the string"
    # The bits a short last group leaves over must be zero.
    spare_bits = {2: 4, 3: 2}.get(len(stripped) % 4, 0)
    if spare_bits and BASE64URL_CHARS.index(stripped[-1]) & ((1 << spare_bits) - 1):
        return "Wrong padding in the string"
    return None


def foreign_file_id_error(value: str) -> BotApiError:
    """What td answers for a string that is neither a URL nor a file_id it can read."""
    error = _base64url_error(value)
    if error is not None:
        return td_error(400, f"Wrong remote file identifier specified: {error}")
    stripped = value.rstrip("=")
    binary = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    if not binary:
        return td_error(400, "Remote file identifier must be non-empty")
    if binary[-1] in PERSISTENT_ID_VERSIONS:
        return td_error(400, "Wrong remote file identifier specified: can't unserialize it")
    return td_error(
        400, "Wrong remote file identifier specified: can't unserialize it. Wrong last symbol"
    )


async def resolve_reference(sandbox: Sandbox, value: str | Upload, kind: str) -> StoredFile:
    """Return the stored file a reference names (td's step: uploads, URLs, file_ids)."""
    if isinstance(value, Upload):
        mime = value.content_type
        if mime == "application/octet-stream" and value.filename:
            mime = mimetypes.guess_type(value.filename)[0] or mime
        return store_upload(sandbox, kind, value.content, mime, value.filename)
    if "." in value:  # td: a remote "file id" with a dot is a URL
        try:
            url = parse_url(value).url()
        except UrlError as exc:
            raise td_error(400, f"Invalid file HTTP URL specified: {exc}") from exc
        return await _fetch_url(sandbox, url, kind)
    stored = sandbox.files.get(value)
    if stored is None:
        if SANDBOX_FILE_ID.match(value):
            raise BotApiError(400, errors.WRONG_FILE)
        raise foreign_file_id_error(value)
    if kind_of(stored) != kind:
        raise td_error(
            400, f"Can't use file of type {kind_of(stored).capitalize()} as {kind.capitalize()}"
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
        raise td_error(400, "WEBPAGE_CURL_FAILED") from exc
    if response.status_code != 200:
        raise td_error(400, "WEBPAGE_CURL_FAILED")
    mime = response.headers.get("content-type", "application/octet-stream").split(";")[0]
    file_name = url.rsplit("/", 1)[-1].split("?")[0] or None
    if kind == "photo" and image_size(response.content) is None:
        raise td_error(400, "WEBPAGE_MEDIA_EMPTY")
    return store_upload(sandbox, kind, response.content, mime, file_name)
