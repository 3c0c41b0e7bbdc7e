"""Bot API parameters as the server's HTTP reader takes them: every value is a string (or a file).

Mirrors tdlib/td HttpReader and telegram-bot-api Query: the query string is read first, then the
body; for a name given twice the first one wins (`Query::arg`). A JSON body gives one parameter
per top-level field, strings decoded and any other value kept as its JSON text, so a number, a
boolean or an object may be sent natively or as a string, alike. Bytes that are not UTF-8 (from
percent-encoding, multipart parts or a "\\ud800" JSON escape) survive as lone surrogates, so the
methods can refuse them the way td does ("Strings must be encoded in UTF-8").
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from sandbox import tdjson
from sandbox.errors import bad_request
from sandbox.tdjson import JsonError, to_integer

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
ABSENT: Any = object()  # what Params.json returns for a parameter that is absent or empty
_LOSSLESS = "sandbox_utf8_lossless"


def _lossless_codec(name: str) -> codecs.CodecInfo | None:
    """UTF-8 that keeps undecodable bytes as lone surrogates (for multipart text parts)."""
    if name != _LOSSLESS:
        return None
    return codecs.CodecInfo(
        name=_LOSSLESS,
        encode=lambda text, errors="strict": codecs.utf_8_encode(text, "surrogateescape"),
        decode=lambda data, errors="strict": codecs.utf_8_decode(data, "surrogateescape", True),
    )


codecs.register(_lossless_codec)


@dataclass
class Upload:
    """A file sent as a multipart part with a file name."""

    filename: str | None
    content_type: str
    content: bytes


def lossless(data: bytes) -> str:
    """Decode UTF-8, keeping undecodable bytes as lone surrogates (td sees them as bad UTF-8)."""
    return data.decode("utf-8", "surrogateescape")


def url_decode(data: bytes, plus_as_space: bool) -> bytes:
    """Percent-decode like td::url_decode ("%zz" and a trailing "%4" stay as they are)."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == 0x25 and i + 2 < n:  # '%'
            pair = data[i + 1 : i + 3]
            try:
                out.append(int(pair, 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(0x20 if plus_as_space and byte == 0x2B else byte)
        i += 1
    return bytes(out)


def form_parameters(data: bytes) -> list[tuple[str, str]]:
    """Split an urlencoded query or body into parameters (td's HttpReader::parse_parameters)."""
    result = []
    for pair in data.split(b"&") if data else []:
        key, _, value = pair.partition(b"=")
        result.append((lossless(url_decode(key, True)), lossless(url_decode(value, True))))
    return result


async def _multipart(request: Request) -> tuple[list[tuple[str, str]], dict[str, Upload]]:
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary", b"").decode("latin-1").replace('"', "")
    headers = Headers(
        {"content-type": f'multipart/form-data; boundary="{boundary}"; charset={_LOSSLESS}'}
    )
    parser = MultiPartParser(
        headers, request.stream(), max_files=100, max_fields=1000, max_part_size=1 << 20
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise bad_request(exc.message) from exc
    args: list[tuple[str, str]] = []
    files: dict[str, Upload] = {}
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                name = value.filename
                if name is not None and not tdjson.is_utf8(name):
                    # The sandbox keeps names as text; undecodable bytes become U+FFFD.
                    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                files.setdefault(
                    key,
                    Upload(
                        name, value.content_type or "application/octet-stream", await value.read()
                    ),
                )
            else:
                args.append((key, value))
    finally:
        await form.close()
    return args, files


async def read_params(request: Request) -> Params:
    """Read the query string and the body (by the server's content-type rules) into Params."""
    args = form_parameters(request.scope.get("query_string", b""))
    files: dict[str, Upload] = {}
    content_type = request.headers.get("content-type", "").lower()
    if "multipart/form-data" in content_type:
        body_args, files = await _multipart(request)
        args.extend(body_args)
    elif "application/x-www-form-urlencoded" in content_type:
        args.extend(form_parameters(await request.body()))
    elif "application/json" in content_type:
        args.extend(tdjson.body_parameters(lossless(await request.body())))
    # Any other body is not parameters (the server keeps it as raw content and ignores it).
    return Params(args, files)


class Params:
    """One call's parameters with the server's accessors (Query::arg and Client's get_*_arg)."""

    def __init__(self, args: list[tuple[str, str]], files: dict[str, Upload] | None = None) -> None:
        self.args = args
        self.files = files or {}
        self._first: dict[str, str] = {}
        for key, value in args:
            self._first.setdefault(key, value)

    def has(self, name: str) -> bool:
        """Say whether the parameter was sent at all (even empty)."""
        return name in self._first

    def arg(self, name: str) -> str:
        """Return the parameter's text, "" when absent (Query::arg)."""
        return self._first.get(name, "")

    def file(self, name: str) -> Upload | None:
        """Return the uploaded file of a multipart part, if any (Query::file)."""
        return self.files.get(name)

    def to_bool(self, name: str) -> bool:
        """Client::to_bool: "true", "yes" or "1" after lower-casing and trimming; anything else no."""
        return self.arg(name).lower().strip(" \t\r\n\0\v") in ("true", "yes", "1")

    def integer(self, name: str, default: int = 0, lo: int = INT32_MIN, hi: int = INT32_MAX) -> int:
        """Client::get_integer_arg: lenient parse (garbage is 0), absent is `default`, clamped."""
        text = self.arg(name)
        value = default if not text else to_integer(text, 32)
        return min(max(value, lo), hi)

    def int64(self, name: str) -> int:
        """td::to_integer<int64> of the parameter (0 when absent or not a number)."""
        return to_integer(self.arg(name), 64)

    def message_id(self, name: str = "message_id") -> int:
        """Client::get_message_id: a positive int32, else 0 ("abc", "-5" and absent alike)."""
        text = self.arg(name)
        value = to_integer(text, 32) if text else 0
        return max(value, 0)

    def json(self, name: str, error: str) -> Any:
        """Decode a JSON parameter; ABSENT when absent or empty; `error` when it does not parse."""
        text = self.arg(name)
        if not text:
            return ABSENT
        try:
            return tdjson.decode(text)
        except JsonError as exc:
            raise bad_request(error) from exc

    def summary(self) -> dict[str, str]:
        """Return the parameters shortened for the call log (files as a size note)."""
        summary: dict[str, str] = {}
        for key, value in self.args:
            summary.setdefault(key, _printable(value))
        for key, upload in self.files.items():
            summary.setdefault(key, f"<file {upload.filename or ''} {len(upload.content)} bytes>")
        return summary


def _printable(value: str) -> str:
    """Return `value` safe for a JSON log (bad UTF-8 shown as escapes), cut at 300 characters."""
    text = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 300 else text[:300] + "…"
