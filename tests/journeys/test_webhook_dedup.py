"""Webhook mode under attack and redelivery: a bad secret processes nothing, a repeat once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import Runtime
from tests.auxil.sim import Sim, text_of
from tests.auxil.webhook import SECRET_HEADER, count_updates, route_of, webhook_bot

FORGED_REQUESTS = 1000


@pytest.fixture
async def webhook_runtime(tmp_path: Path, sandbox: object) -> AsyncIterator[Runtime]:
    async with webhook_bot(tmp_path, sandbox) as runtime:
        yield runtime


def start_update(update_id: int, chat_id: int, first_name: str) -> dict[str, object]:
    person = {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 900_000 + update_id % 1000,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_thousand_requests_without_the_secret_process_nothing(
    webhook_runtime: Runtime, sim: Sim
) -> None:
    processed = count_updates(webhook_runtime)
    fan = await sim.user(3101, "Wen", "en")
    url = route_of(webhook_runtime)
    secret = webhook_runtime.services.settings.webhook_secret
    wrong_secrets = [None, "", "nope", secret[:-1], secret + "x", secret.upper(), "x" + secret]
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient() as client:
        for n in range(FORGED_REQUESTS):
            wrong = wrong_secrets[n % len(wrong_secrets)]
            headers = {} if wrong is None else {SECRET_HEADER: wrong}
            response = await client.post(
                url, json=start_update(5_000_000 + n, 3101, "Wen"), headers=headers
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    # The person's own /start goes through after all of it, and is the only update processed.
    reply = await fan.ask("/start")
    print(
        f"\n{FORGED_REQUESTS} requests with a missing or wrong secret: {statuses}, "
        f"{len(processed) - 1} processed"
    )
    assert statuses == {403: FORGED_REQUESTS}
    assert "Hello, Wen" in text_of(reply)
    assert len(processed) == 1 and processed[0] < 5_000_000


async def test_one_update_delivered_ten_times_is_handled_once(
    webhook_runtime: Runtime, sim: Sim
) -> None:
    processed = count_updates(webhook_runtime)
    fan = await sim.user(3102, "Lin", "en")
    url = route_of(webhook_runtime)
    headers = {SECRET_HEADER: webhook_runtime.services.settings.webhook_secret}
    repeated = start_update(6_000_001, 3102, "Lin")
    async with httpx.AsyncClient() as client:
        statuses = [
            (await client.post(url, json=repeated, headers=headers)).status_code for _ in range(10)
        ]
    # Updates are handled in order: once the next one is answered, the repeats are behind us.
    await fan.ask("/help")
    greetings = [m for m in await fan.bot_messages() if "Hello, Lin" in text_of(m)]
    print(f"\none update_id delivered 10 times: handled {processed.count(6_000_001)} time(s)")
    assert statuses == [200] * 10  # Telegram must hear "delivered" each time, or it retries
    assert processed.count(6_000_001) == 1
    assert len(greetings) == 1
