"""Test harness for the sandbox: both sides over real HTTP, a loopback app server, polling waits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

TOKEN = "123456:sandbox-test_TOKEN"
OTHER_TOKEN = "654321:other-bot"

# Small numbers so fault, callback-age and webhook-retry tests stay fast.
FAST_SETTINGS: dict[str, Any] = {
    "fault_timeout_seconds": 0.3,
    "inline_answer_wait_seconds": 5.0,
    "webhook_retry_seconds": 0.05,
    "webhook_retry_max_seconds": 0.2,
    # Telegram allows one setWebhook per second; tests that re-point a webhook at once turn it
    # off, and test_strictness checks the rule on a sandbox of its own.
    "set_webhook_interval_seconds": 0.0,
}


def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")


async def async_wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Like wait_until, yielding to the event loop between tries."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")


@contextlib.contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Serve `app` on a loopback port in a background thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Api:
    """A test's hands on both sides of the sandbox, over real HTTP."""

    def __init__(self, url: str, token: str = TOKEN) -> None:
        self.url = url
        self.token = token
        self.http = httpx.Client(base_url=url, timeout=30)
        # True: call at /bot<token>/test/<method>, Telegram's test environment (http:// Web Apps).
        self.test_environment = False

    def call(self, method: str, **params: Any) -> httpx.Response:
        """Call a Bot API method the way PTB does: a form body with JSON for complex values."""
        data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        environment = "/test" if self.test_environment else ""
        return self.http.post(f"/bot{self.token}{environment}/{method}", data=data)

    def ok(self, method: str, **params: Any) -> Any:
        """Call a method that must succeed; return its result."""
        response = self.call(method, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True
        return body["result"]

    def error(self, method: str, **params: Any) -> tuple[int, str]:
        """Call a method that must fail; return (error_code, description)."""
        response = self.call(method, **params)
        body = response.json()
        assert body["ok"] is False, body
        assert response.status_code == body["error_code"]
        return body["error_code"], body["description"]

    def user(self, user_id: int, first_name: str = "Ann", language_code: str = "en") -> dict:
        """Create a person."""
        response = self.http.post(
            "/sim/users",
            json={"id": user_id, "first_name": first_name, "language_code": language_code},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def sim(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call a /sim/ route acting on this Api's bot."""
        params = dict(kwargs.pop("params", {}))
        params.setdefault("token", self.token)
        return self.http.request(method, path, params=params, **kwargs)

    def say(self, user_id: int, text: str) -> dict:
        """The person sends `text` to the bot; return the created message."""
        response = self.sim("POST", f"/sim/users/{user_id}/messages", json={"text": text})
        assert response.status_code == 200, response.text
        return response.json()

    def transcript(self, user_id: int, **params: Any) -> dict:
        """Return the person's transcript object."""
        response = self.sim("GET", f"/sim/users/{user_id}/transcript", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def drain(self) -> list[dict]:
        """Return and confirm every pending update."""
        updates = self.ok("getUpdates")
        if updates:
            self.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
        return updates
