"""A round-robin load balancer on loopback, in a background thread: what stands before N web
processes in a deployment (docs/deploy.md). It forwards each request to the next backend in
turn and remembers which backend took which request path, so a test can see a person's updates
land on different processes."""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections import Counter

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding"}


class RoundRobinProxy:
    """Forwards every request to the backends in turn (`with RoundRobinProxy([...]) as p`)."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.taken: Counter[str] = Counter()  # backend -> requests it answered
        self._next = itertools.cycle(range(len(backends)))
        self._client: httpx.AsyncClient | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _forward(self, request: Request) -> Response:
        assert self._client is not None
        backend = self.backends[next(self._next)]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            answer = await self._client.request(
                request.method,
                backend + request.url.path,
                content=await request.body(),
                headers=headers,
            )
        except httpx.HTTPError:
            return Response(status_code=502)  # the backend is down: the sender retries
        self.taken[backend] += 1
        return Response(answer.content, status_code=answer.status_code)

    def __enter__(self) -> RoundRobinProxy:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/{path:path}", self._forward, methods=["GET", "POST"])])
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        server = self._server = uvicorn.Server(config)

        def run() -> None:
            async def serve() -> None:
                self._client = httpx.AsyncClient(timeout=30)
                await server.serve(sockets=[sock])
                await self._client.aclose()

            asyncio.run(serve())

        self._thread = threading.Thread(target=run, name="round-robin-proxy", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
