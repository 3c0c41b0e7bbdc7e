"""At DEBUG, the log of a whole journey holds none of the secrets it handled.

The bot runs with the logging `vitrine run` sets up (bot/logs.py), at DEBUG, with canary
secrets: its token, its secret key, a merchant's signing secret and callback key, and the Buy
token of the link a fan opens. A fan starts, opens a Buy link, and the merchant's partner posts
a signed order callback; then the captured log is searched for every canary.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import BotEndpoint, running
from bot.demo.catalogue import DEMO_SHOPS
from bot.demo.seed import seed_into
from bot.domain.webhooks import decode_secret, new_webhook_secret, sign_webhook
from bot.logs import QUIET_LOGGERS, configure_logging
from tests.auxil.databases import on_postgresql
from tests.auxil.sim import Sim, buttons_of
from tests.conftest import make_settings

CANARY_TOKEN = "987654:CANARYtokenCANARYtokenCANARY_9876"
CANARY_SECRET_KEY = "canary-secret-key-CANARY-secret-key-0042"
CANARY_APP_SECRET = "canary-partner-app-secret-CANARY-7731"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """What `vitrine run` logs at VITRINE_LOG_LEVEL=DEBUG, captured in memory."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *QUIET_LOGGERS)}
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    configure_logging("DEBUG", handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_no_secret_reaches_the_log_at_debug(
    tmp_path: Path, sandbox: Any, sim: Sim, debug_log: io.StringIO
) -> None:
    settings = make_settings(
        tmp_path,
        VITRINE_SECRET_KEY=CANARY_SECRET_KEY,
        # A partner polled in pull mode, at an address that refuses it (logged, as an error).
        VITRINE_PULL_PARTNERS="taobao",
        VITRINE_PULL_TAOBAO_URL=f"{sandbox.url}/partner/taobao",
        VITRINE_PULL_TAOBAO_APP_KEY="canary-app",
        VITRINE_PULL_TAOBAO_APP_SECRET=CANARY_APP_SECRET,
        VITRINE_PULL_INTERVAL_SECONDS="1",
    )
    endpoint = BotEndpoint(CANARY_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    signing_secret = new_webhook_secret()
    async with running(settings, endpoint) as runtime:
        repos = runtime.services.repos
        await seed_into(repos, tmp_path / "photos")
        partner, shop_id, _name, _owner = DEMO_SHOPS["lumiere"]
        merchant = await repos.merchants.by_shop(partner, shop_id)
        assert merchant is not None
        await repos.merchants.add_secret(merchant.id, signing_secret)

        # A fan follows an expert and opens the Buy link of the first card.
        fan = await sim.user(5301, "Ann", "en")
        sent = await fan.send("/start lina_beauty")
        card = await fan.wait_for(
            lambda m: any("/go/" in b.get("url", "") for b in buttons_of(m)),
            after=sent["message_id"],
        )
        buy = next(b["url"] for b in buttons_of(card) if "/go/" in b.get("url", ""))
        buy_token = buy.rsplit("/go/", 1)[1]
        async with httpx.AsyncClient(timeout=20) as browser:
            assert (await browser.get(buy)).status_code == 200

            # The partner posts an order, signed with the canary secret.
            body = json.dumps(
                {
                    "order_id": "CANARY-1",
                    "status": "paid",
                    "partner_item_id": "600000000001",
                    "click_id": None,
                    "quantity": 1,
                    "amount_fen": 16900,
                    "currency": "CNY",
                    "occurred_at": int(time.time()),
                }
            ).encode()
            now = int(time.time())
            answer = await browser.post(
                f"{runtime.http_url}/hooks/orders/{merchant.callback_key}",
                content=body,
                headers={
                    "webhook-id": "msg_canary_1",
                    "webhook-timestamp": str(now),
                    "webhook-signature": sign_webhook(
                        decode_secret(signing_secret), "msg_canary_1", now, body
                    ),
                    "content-type": "application/json",
                },
            )
            assert answer.status_code == 200, answer.text
        for _ in range(100):  # the first poll runs a second or two after start
            if "partner taobao refused" in debug_log.getvalue():
                break
            await asyncio.sleep(0.1)

    log = debug_log.getvalue()
    # The log is the DEBUG one (PTB's calls and the database's trace), not an empty file.
    # (aiosqlite traces every call at DEBUG; asyncpg logs none, so PostgreSQL has no trace.)
    assert "Calling Bot API endpoint" in log and ("executing" in log or on_postgresql())
    assert "partner taobao refused" in log  # the pull side ran, and logged
    canaries = {
        "bot token": CANARY_TOKEN,
        "bot token's secret half": CANARY_TOKEN.split(":")[1],
        "secret key": CANARY_SECRET_KEY,
        "Telegram webhook secret": settings.webhook_secret,
        "signing secret": signing_secret,
        "signing secret's key": signing_secret.removeprefix("whsec_"),
        "callback key": merchant.callback_key,
        "Buy token": buy_token,
        "partner app secret": CANARY_APP_SECRET,
    }
    leaked = {name for name, value in canaries.items() if value in log}
    assert leaked == set(), f"in the DEBUG log: {sorted(leaked)}"
