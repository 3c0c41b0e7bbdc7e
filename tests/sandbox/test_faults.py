"""Fault injection: the next N matching calls fail with 500, 429 or a timeout, then recover."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from sandbox.server import SandboxServer
from tests.sandbox.harness import TOKEN, Api, wait_until


def arm(api: Api, **spec: object) -> dict:
    response = api.http.post("/sim/faults", json=spec)
    assert response.status_code == 200, response.text
    return response.json()


def test_next_n_matching_calls_fail_then_calls_recover(api: Api) -> None:
    api.user(7)
    arm(api, method="sendMessage", count=2, error=500)
    assert api.ok("getMe")["id"] == 123456  # other methods are unaffected
    assert api.error("sendMessage", chat_id=7, text="a") == (500, "Internal Server Error")
    assert api.error("sendMessage", chat_id=7, text="b") == (500, "Internal Server Error")
    api.ok("sendMessage", chat_id=7, text="c")
    assert [m["text"] for m in api.transcript(7)["messages"]] == ["c"]
    assert api.http.get("/sim/faults").json() == {"armed": []}


def test_429_fault_carries_retry_after_and_star_matches_any_method(api: Api) -> None:
    arm(api, method="*", count=1, error=429, retry_after=7)
    response = api.call("getMe")
    assert response.status_code == 429
    assert response.json()["parameters"] == {"retry_after": 7}
    assert response.json()["description"] == "Too Many Requests: retry after 7"
    api.ok("getMe")


def test_malformed_fault_specs_are_refused_and_faults_can_be_cleared(api: Api) -> None:
    for spec in ({"error": 418}, {"count": 0}, {"method": ""}, {"count": "two"}):
        response = api.http.post("/sim/faults", json=spec)
        assert response.status_code == 400
        assert "error" in response.json()
    arm(api, method="getMe", count=5, error=500)
    assert api.http.delete("/sim/faults").json() == {"armed": []}
    api.ok("getMe")


async def test_ptb_sees_network_errors_timeouts_and_retry_after(server: SandboxServer) -> None:
    api = Api(server.url)
    api.ok("getMe")
    api.user(7)
    # A client read timeout shorter than the fault's hold (0.3 s in these tests).
    request = HTTPXRequest(read_timeout=0.1)
    async with telegram.Bot(TOKEN, base_url=server.bot_api_url, request=request) as bot:
        arm(api, method="sendMessage", count=1, error=500)
        with pytest.raises(NetworkError):
            await bot.send_message(7, "x")
        arm(api, method="sendMessage", count=1, error="timeout")
        with pytest.raises(TimedOut):
            await bot.send_message(7, "x")
        arm(api, method="sendMessage", count=1, error=429)
        with pytest.raises(RetryAfter):
            await bot.send_message(7, "x")
        assert (await bot.send_message(7, "finally")).text == "finally"

    def four_sends() -> list[dict] | None:
        calls = api.http.get("/sim/calls", params={"method": "sendMessage"}).json()
        return calls if len(calls) == 4 else None

    # The held call is logged when the sandbox gives up on it, after the later calls.
    assert sorted(c["status"] for c in wait_until(four_sends)) == [200, 429, 500, 504]
