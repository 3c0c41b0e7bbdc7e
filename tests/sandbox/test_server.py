"""Ways to run the sandbox: a background thread, the current event loop; and its failure modes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sandbox import registry
from sandbox.registry import Call
from sandbox.server import SandboxServer, create_app, serve
from tests.conftest import free_port
from tests.sandbox.harness import TOKEN, Api


async def test_serve_runs_in_the_current_loop_until_cancelled() -> None:
    port = free_port()
    task = asyncio.create_task(serve("127.0.0.1", port, "off"))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(200):
            try:
                response = await client.get(f"/bot{TOKEN}/getMe")
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.02)
        assert response.json()["result"]["id"] == 123456
        # A long poll in flight must not hold up the shutdown.
        poll = asyncio.create_task(client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "30"}))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await poll).json() == {"ok": True, "result": []}


def test_server_urls_extra_routes_and_a_taken_port() -> None:
    async def hello(request: Request) -> Response:
        return PlainTextResponse("hello")

    with SandboxServer(limits="off", extra_routes=[Route("/hello", hello)]) as server:
        assert server.bot_api_url == server.url + "/bot"
        assert server.file_api_url == server.url + "/file/bot"
        assert httpx.get(server.url + "/hello").text == "hello"
        with pytest.raises(OSError):
            SandboxServer(port=server.port).start()


def test_unknown_settings_and_modes_are_refused() -> None:
    with pytest.raises(TypeError):
        create_app("off", per_bot_per_minute=3)
    with pytest.raises(ValueError):
        create_app("unlimited")


def test_a_sandbox_bug_still_answers_in_bot_api_shape(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(call: Call) -> None:
        raise KeyError("oops")

    monkeypatch.setitem(registry.METHODS, "getme", broken)
    response = api.call("getMe")
    assert response.status_code == 500
    assert response.json()["description"].startswith("Internal Server Error: sandbox bug")
