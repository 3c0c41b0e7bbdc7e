"""The hostile updates the fuzzing found, one by one: each was a 500, a crash in a handler, a
reply into a group, or an ERROR with an apology before its fix."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Runtime
from tests.auxil.sim import Sim, text_of
from tests.auxil.webhook import count_errors, route_of, secret_headers, settled, webhook_bot

FAN = 3301
GROUP = -100_123_456


@pytest.fixture
async def runtime(tmp_path: Path, sandbox: Any) -> AsyncIterator[Runtime]:
    async with webhook_bot(tmp_path, sandbox) as started:
        yield started


def person(**overrides: object) -> dict[str, object]:
    return {"id": FAN, "is_bot": False, "first_name": "Wen", "language_code": "en", **overrides}


def message(text: str = "/start", **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "message_id": 77,
        "date": 1_700_000_000,
        "chat": {"id": FAN, "type": "private"},
        "from": person(),
        "text": text,
    }
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {**body, **overrides}


async def post(runtime: Runtime, update_id: int, body: dict[str, object]) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            route_of(runtime),
            json={"update_id": update_id, **body},
            headers=secret_headers(runtime),
        )
    return response.status_code


@pytest.mark.parametrize(
    "body",
    [
        {"message": 5},  # PTB's parser: AttributeError ('int' object has no attribute 'copy')
        {"edited_message": [1.5]},
        {"message": message(**{"from": person(first_name=[[]])})},  # a list bound into SQL
        {"message": message(**{"from": person(id=2**70)})},  # OverflowError in SQLite
        {"message": message(chat={"id": "x", "type": "private"})},
        {"callback_query": {"id": 5, "from": person(), "chat_instance": "1", "data": "1:fav:1"}},
        {"inline_query": {"id": "1", "from": person(), "query": ["x"], "offset": ""}},
        {"message": {k: v for k, v in message().items() if k != "chat"}},
    ],
)
async def test_bodies_of_the_wrong_shape_are_refused_with_400(
    runtime: Runtime, body: dict[str, object]
) -> None:
    errors = count_errors(runtime)
    assert await post(runtime, 10_001, body) == 400
    await settled(runtime)
    assert errors == []


async def test_groups_channels_and_bots_get_no_answer(
    runtime: Runtime, sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    fan = await sim.user(FAN, "Wen", "en")
    errors = count_errors(runtime)
    caplog.set_level(logging.ERROR)
    group = {"id": GROUP, "type": "supergroup", "title": "Fans"}
    channel = {"id": GROUP - 1, "type": "channel", "title": "News"}
    statuses = [
        await post(runtime, 20_001, {"message": message("/mydata", chat=group)}),
        await post(runtime, 20_002, {"message": message("/start", chat=group)}),
        await post(runtime, 20_003, {"channel_post": message("/start", chat=channel)}),
        await post(runtime, 20_004, {"message": message(**{"from": person(is_bot=True)})}),
        await post(runtime, 20_005, {"channel_post": {**message("/start", chat=channel)}}),
    ]
    await settled(runtime)
    assert statuses == [200] * 5
    assert [c for c in await sim.calls() if c["method"].lower().startswith("send")] == []
    assert errors == [] and [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "Hello, Wen" in text_of(await fan.ask("/start"))


async def test_a_press_or_inline_query_with_an_id_telegram_never_issued_is_no_error(
    runtime: Runtime, sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    fan = await sim.user(FAN, "Wen", "en")
    # A first /start sends the greeting and then the interests picker: count both.
    await fan.ask("/start", lambda m: "Choose a vertical" in text_of(m))
    await settled(runtime)
    caplog.set_level(logging.INFO)
    before = len(await fan.bot_messages())
    press = {"id": "123", "from": person(), "chat_instance": "1", "data": "1:noop:"}
    inline = {"id": "124", "from": person(), "query": "", "offset": ""}
    assert await post(runtime, 30_001, {"callback_query": press}) == 200
    assert await post(runtime, 30_002, {"inline_query": inline}) == 200
    await settled(runtime)
    # Telegram: "query is too old and response timeout expired or query ID is invalid".
    refused = [c["method"] for c in await sim.calls() if not c["ok"]]
    assert sorted(refused) == ["answerCallbackQuery", "answerInlineQuery"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    # The inline answer's refusal reaches the error handler, which takes it as expired.
    assert any("named something gone" in r.getMessage() for r in caplog.records)
    assert len(await fan.bot_messages()) == before  # no apology in the chat
