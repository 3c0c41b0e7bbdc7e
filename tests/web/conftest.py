"""HTTP-level fixtures for the money path: real services on a SQLite file, routes over ASGI."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from bot.config import Settings
from bot.demo.catalogue import DEMO_SHOPS
from bot.demo.seed import demo_secret, seed_into
from bot.domain.orders import OrderOutcome
from bot.domain.webhooks import decode_secret, sign_webhook
from bot.http import HttpContext, routes_for
from bot.links import buy_url
from bot.services import Services
from storage.repositories.items import Item
from storage.repositories.merchants import Merchant

BOT_USERNAME = "vitrine_test_bot"


@dataclass
class MoneyPath:
    """The routes under test, the services behind them and what they announced."""

    services: Services
    client: httpx.AsyncClient
    announced: list[OrderOutcome] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    async def merchant(self, shop_key: str = "lumiere") -> Merchant:
        partner, shop_id, _name, _owner = DEMO_SHOPS[shop_key]
        merchant = await self.services.repos.merchants.by_shop(partner, shop_id)
        assert merchant is not None
        return merchant

    async def item(self, item_id: int) -> Item:
        item = await self.services.repos.items.get(item_id)
        assert item is not None
        return item

    async def fan_id(self, telegram_id: int = 1001, language: str = "en") -> int:
        user = await self.services.repos.users.upsert_from_telegram(
            telegram_id, "Fan", None, language
        )
        return user.id

    def buy_path(self, item_id: int, fan_id: int, **extra: object) -> str:
        url = buy_url(self.settings, item_id=item_id, fan_id=fan_id, source="window", **extra)  # type: ignore[arg-type]
        return url.removeprefix(self.settings.public_url)

    async def click(self, item_id: int, fan_id: int) -> str:
        """Open the intermediate page and return the click id behind its Continue button."""
        page = await self.client.get(self.buy_path(item_id, fan_id))
        assert page.status_code == 200, page.text
        marker = "continue?c="
        start = page.text.index(marker) + len(marker)
        return page.text[start : page.text.index('"', start)]

    async def post_order(
        self,
        merchant: Merchant,
        payload: dict[str, object] | bytes,
        *,
        shop_key: str = "lumiere",
        message_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        """POST a callback signed the way a partner integration would."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        msg_id = message_id or f"msg_{time.monotonic_ns()}"
        ts = int(time.time()) if timestamp is None else timestamp
        key = decode_secret(secret or demo_secret(shop_key))
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": sign_webhook(key, msg_id, ts, body),
            "content-type": "application/json",
        }
        return await self.client.post(
            f"/hooks/orders/{merchant.callback_key}", content=body, headers=headers
        )


def order(
    order_id: str,
    status: str,
    *,
    item: str,
    click: str | None,
    quantity: int = 1,
    amount: int = 16900,
) -> dict[str, object]:
    """A valid order payload."""
    return {
        "order_id": order_id,
        "status": status,
        "partner_item_id": item,
        "click_id": click,
        "quantity": quantity,
        "amount_fen": amount,
        "currency": "CNY",
        "occurred_at": int(time.time()),
    }


@pytest.fixture
async def money(settings: Settings, tmp_path: Path) -> AsyncIterator[MoneyPath]:
    services = await Services.start(settings)
    await seed_into(services.repos, tmp_path / "photos")
    announced: list[OrderOutcome] = []

    async def fetch_file(_file_id: str) -> bytes | None:
        return None

    async def on_order(outcome: OrderOutcome) -> None:
        announced.append(outcome)

    ctx = HttpContext(
        services=services,
        bot_username=lambda: BOT_USERNAME,
        fetch_file=fetch_file,
        on_order=on_order,
    )
    app = Starlette(routes=routes_for(ctx))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://vitrine.test") as client:
        yield MoneyPath(services, client, announced)
    await services.close()
