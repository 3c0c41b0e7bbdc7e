"""Updates reach the bot by long polling or by webhook, in order, with Telegram's rules."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.server import SandboxServer
from tests.sandbox.harness import TOKEN, Api, async_wait_until, serving, wait_until

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class Receiver:
    """A webhook endpoint that records what it gets and fails the first `failures` POSTs."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> JSONResponse:
        if self.failures > 0:
            self.failures -= 1
            return JSONResponse({"error": "not now"}, status_code=500)
        secret = request.headers.get("x-telegram-bot-api-secret-token")
        self.received.append((secret, await request.json()))
        return JSONResponse({})

    def texts(self) -> list[str]:
        return [update["message"]["text"] for _, update in self.received if "message" in update]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver()
    with serving(hook.app) as url:
        yield hook, url + "/hook"


def _poll_generation(server: SandboxServer) -> int:
    bot = server.sandbox.bots.get(TOKEN)
    return bot.poll_generation if bot else 0


async def test_long_poll_wakes_up_when_a_person_writes(api: Api, server: SandboxServer) -> None:
    api.user(7)
    generation = _poll_generation(server)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        poll = asyncio.create_task(client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "25"}))
        await async_wait_until(lambda: _poll_generation(server) > generation)
        await asyncio.sleep(0.05)
        assert not poll.done()  # it is waiting, not answering empty
        api.say(7, "hi")
        response = await asyncio.wait_for(poll, 10)
    assert [u["message"]["text"] for u in response.json()["result"]] == ["hi"]


def test_short_poll_without_updates_is_empty(api: Api) -> None:
    assert api.ok("getUpdates", timeout=0) == []
    assert api.ok("getUpdates", timeout=1) == []


def test_offset_confirms_and_limit_caps(api: Api) -> None:
    api.user(7)
    for text in ("a", "b", "c"):
        api.say(7, text)
    first_two = api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first_two] == ["a", "b"]
    first_id = first_two[0]["update_id"]
    assert first_two[1]["update_id"] == first_id + 1
    # Without a new offset the same updates come again; offset confirms everything below it.
    assert len(api.ok("getUpdates")) == 3
    rest = api.ok("getUpdates", offset=first_id + 2)
    assert [u["message"]["text"] for u in rest] == ["c"]
    assert api.ok("getUpdates", offset=first_id + 3) == []
    api.say(7, "d")
    api.say(7, "e")
    assert [u["message"]["text"] for u in api.ok("getUpdates", offset=-1)] == ["e"]


def test_allowed_updates_filters_later_updates(api: Api) -> None:
    api.user(7)
    sent = api.ok(
        "sendMessage",
        chat_id=7,
        text="x",
        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
    )
    api.ok("getUpdates", allowed_updates=["callback_query"])
    api.say(7, "ignored")
    api.sim("POST", "/sim/users/7/callbacks", json={"message_id": sent["message_id"], "data": "a"})
    assert [list(u)[1] for u in api.drain()] == ["callback_query"]


async def test_a_second_poll_ends_the_first_with_409(api: Api, server: SandboxServer) -> None:
    generation = _poll_generation(server)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        first = asyncio.create_task(client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "25"}))
        await async_wait_until(lambda: _poll_generation(server) > generation)
        second = await client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "0"})
        first_response = await asyncio.wait_for(first, 10)
    assert second.json() == {"ok": True, "result": []}
    assert first_response.status_code == 409
    assert first_response.json()["description"].startswith(
        "Conflict: terminated by other getUpdates"
    )


def test_webhook_gets_updates_with_the_secret_header(api: Api, receiver: tuple) -> None:
    hook, url = receiver
    api.user(7)
    api.say(7, "before")  # pending before the webhook: delivered once it is set
    api.ok("setWebhook", url=url, secret_token="s3cret-token_1")
    api.say(7, "after")
    wait_until(lambda: len(hook.received) == 2)
    assert hook.texts() == ["before", "after"]
    assert {secret for secret, _ in hook.received} == {"s3cret-token_1"}
    assert api.error("getUpdates") == (409, WEBHOOK_CONFLICT)
    info = api.ok("getWebhookInfo")
    assert info["url"] == url
    assert info["pending_update_count"] == 0
    bots = api.http.get("/sim/bots").json()
    assert bots[0]["mode"] == "webhook"
    assert bots[0]["webhook_has_secret"] is True


def test_failed_deliveries_are_retried_in_order(api: Api, receiver: tuple) -> None:
    hook, url = receiver
    hook.failures = 2
    api.user(7)
    api.ok("setWebhook", url=url)
    api.say(7, "one")
    api.say(7, "two")
    wait_until(lambda: len(hook.received) == 2)
    assert hook.texts() == ["one", "two"]
    assert hook.received[0][0] is None  # no secret was set, so no header
    info = api.ok("getWebhookInfo")
    assert info["last_error_message"].startswith("Wrong response from the webhook: 500")


def test_delete_webhook_returns_to_polling_keeping_pending_updates(api: Api) -> None:
    api.user(7)
    # Nothing listens on this port, so deliveries fail and updates stay pending.
    api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    api.say(7, "kept")
    wait_until(lambda: "last_error_message" in api.ok("getWebhookInfo"))
    api.ok("deleteWebhook")
    assert api.ok("getWebhookInfo")["url"] == ""
    assert [u["message"]["text"] for u in api.drain()] == ["kept"]
    api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    api.say(7, "dropped")
    api.ok("deleteWebhook", drop_pending_updates=True)
    assert api.ok("getUpdates") == []


def test_webhook_secret_rules() -> None:
    def checker(secret: str | None) -> bool:
        return secret is not None and len(secret) >= 8

    with SandboxServer(
        limits="off", webhook_secret_checker=checker, set_webhook_interval_seconds=0
    ) as server:
        api = Api(server.url)
        assert api.error("setWebhook", url="http://127.0.0.1:9/", secret_token="bad secret!") == (
            400,
            "Bad Request: secret token contains unallowed characters",
        )
        assert api.error("setWebhook", url="http://127.0.0.1:9/", secret_token="short")[0] == 400
        assert api.error("setWebhook", url="ftp://x/") == (
            400,
            "Bad Request: invalid webhook URL specified",
        )
        assert api.ok("setWebhook", url="http://127.0.0.1:9/", secret_token="long-enough") is True
        api.ok("deleteWebhook")
