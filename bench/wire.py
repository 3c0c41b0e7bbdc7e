"""Minimal HTTP/1.1 over asyncio for the harness: a server protocol and a keep-alive client.

The benchmarks measure the bot, so the harness's side of each connection must cost far less
than the bot's. Starlette, uvicorn and httpx spend tens of microseconds per request in Python;
this parses only what a benchmark needs (request line, Content-Length, body) and answers with
pre-built bytes. It is not a general HTTP implementation: no chunked bodies, no pipelining
beyond what arrives in order on one connection, loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import cast

Handler = Callable[[bytes, bytes, bytes], Awaitable[tuple[int, bytes]]]
MAX_HEADER_BYTES = 65536
REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 500: b"Internal Server Error"}


def response_bytes(status: int, body: bytes, content_type: bytes = b"application/json") -> bytes:
    """A complete HTTP/1.1 keep-alive response."""
    head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
        status,
        REASONS.get(status, b"OK"),
        content_type,
        len(body),
    )
    return head + body


def _content_length(head: bytes) -> int:
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = lower.find(b"\r\n", at + 2)
    return int(lower[at + 17 : end if end > 0 else len(lower)].strip())


class _ServerProtocol(asyncio.Protocol):
    """One connection: parse requests in order, hand each to the handler, write its answer."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._queue: asyncio.Queue[tuple[bytes, bytes, bytes] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport: uvloop's (if a load generator ever runs on it) is no asyncio.Transport.
        self._transport = cast(asyncio.Transport, transport)
        self._task = asyncio.get_running_loop().create_task(self._serve())

    def connection_lost(self, exc: Exception | None) -> None:
        self._queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEADER_BYTES and self._transport is not None:
                    self._transport.close()
                return
            head = self._buffer[:end]
            length = _content_length(head)
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            body = self._buffer[end + 4 : total]
            self._buffer = self._buffer[total:]
            line = head[: head.find(b"\r\n")] if b"\r\n" in head else head
            parts = line.split(b" ")
            method, path = (parts[0], parts[1]) if len(parts) >= 2 else (b"", b"")
            self._queue.put_nowait((method, path, body))

    async def _serve(self) -> None:
        while True:
            request = await self._queue.get()
            if request is None or self._transport is None or self._transport.is_closing():
                return
            try:
                status, payload = await self._handler(*request)
            except Exception:  # the harness must keep answering; a 500 shows up in the figures
                status, payload = 500, b"{}"
            self._transport.write(response_bytes(status, payload))


async def serve(handler: Handler, host: str, port: int) -> asyncio.Server:
    """Listen on host:port and answer every request with `handler(method, path, body)`."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: _ServerProtocol(handler), host, port, backlog=1024)


class Connection:
    """One keep-alive client connection; one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request and read its answer: (status, body).

        A kept-alive connection the server closed meanwhile is opened again, once.
        """
        reused = self._writer is not None and not self._writer.is_closing()
        try:
            return await self._exchange(method, path, body, headers)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            if not reused:
                raise
            return await self._exchange(method, path, body, headers)

    async def _exchange(
        self, method: str, path: str, body: bytes, headers: dict[str, str] | None
    ) -> tuple[int, bytes]:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._writer.write(
            (
                f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n{extra}"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body
        )
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = _content_length(head[:-2])
        payload = await self._reader.readexactly(length) if length else b""
        if b"connection: close" in head.lower():
            await self.close()
        return status, payload

    async def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
            self._writer = None
