"""The apply_order_event use case on a real SQLite file: one unit of work for the receipt, the
order, its stock and its commission; replays, conflicts and reversals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Table, func, select

from bot.demo.catalogue import DEMO_SHOPS
from bot.demo.seed import seed_into
from bot.domain.errors import DomainError
from bot.domain.orders import OrderEvent, OrderOutcome, OrderStatus
from bot.orders.intake import order_rules
from bot.orders.service import apply_order_event
from bot.services import Services
from storage.repositories.merchants import Merchant
from storage.schema import commissions, orders, webhook_receipts
from tests.services.campaign_world import start_services

ITEM = "600000000001"  # demo item 1 of lina_beauty at Lumière, ¥169.00, stock 42


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    await seed_into(built.repos, tmp_path / "photos")
    yield built
    await built.close()


async def shop(services: Services, key: str = "lumiere") -> Merchant:
    partner, shop_id, _name, _owner = DEMO_SHOPS[key]
    merchant = await services.repos.merchants.by_shop(partner, shop_id)
    assert merchant is not None
    return merchant


async def click_on_item_1(services: Services, *, at: datetime) -> str:
    item = await services.repos.items.get(1)
    assert item is not None
    await services.repos.clicks.record(
        click_id="c" * 32,
        item_id=1,
        expert_id=item.expert_id,
        source="window",
        fan_id=None,
        campaign_id=None,
        sharer_id=None,
        user_agent=None,
        at=at,
    )
    return "c" * 32


def event(
    status: OrderStatus, *, order_id: str = "T-1", click: str | None = None, quantity: int = 1
) -> OrderEvent:
    return OrderEvent(
        order_id=order_id,
        status=status,
        partner_item_id=ITEM,
        click_id=click,
        quantity=quantity,
        amount_fen=16900 * quantity,
        currency="CNY",
        occurred_at=datetime.now(UTC),
    )


async def apply(
    services: Services, merchant: Merchant, incoming: OrderEvent, message_id: str
) -> OrderOutcome:
    return await apply_order_event(
        services,
        merchant_id=merchant.id,
        partner_key=merchant.partner_key,
        message_id=message_id,
        event=incoming,
        rules=order_rules(services.settings),
        now=datetime.now(UTC),
    )


async def stock(services: Services) -> int:
    item = await services.repos.items.get(1)
    assert item is not None
    return item.stock


async def count(services: Services, table: Table) -> int:
    async with services.repos.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_an_attributed_paid_order_takes_stock_and_books_a_commission(
    services: Services,
) -> None:
    merchant = await shop(services)
    click = await click_on_item_1(services, at=datetime.now(UTC))
    outcome = await apply(services, merchant, event("paid", click=click, quantity=2), "m-1")
    assert (outcome.changed, outcome.reason, outcome.status) == (True, "new", "paid")
    assert (outcome.commission_action, outcome.commission_fen, outcome.rate_bp) == (
        "create",
        2704,
        800,
    )
    assert outcome.stock_after == 40 and outcome.item_title
    assert await stock(services) == 40
    assert outcome.order_id is not None
    assert await services.repos.commissions.of_order(outcome.order_id) == [
        ("commission", "pending", 2704)
    ]


async def test_a_replayed_webhook_id_does_nothing(services: Services) -> None:
    merchant = await shop(services)
    await apply(services, merchant, event("paid"), "m-1")
    again = await apply(services, merchant, event("paid", order_id="T-2"), "m-1")
    assert (again.replayed, again.changed) == (True, False)
    assert await count(services, orders) == 1
    assert await stock(services) == 41


async def test_a_refund_gives_back_the_stock_and_cancels_the_pending_commission(
    services: Services,
) -> None:
    merchant = await shop(services)
    click = await click_on_item_1(services, at=datetime.now(UTC))
    paid = await apply(services, merchant, event("paid", click=click, quantity=3), "m-1")
    refunded = await apply(services, merchant, event("refunded", click=click, quantity=3), "m-2")
    assert (refunded.reason, refunded.commission_action, refunded.stock_after) == (
        "reversed",
        "cancel",
        42,
    )
    assert paid.order_id is not None
    assert await services.repos.commissions.of_order(paid.order_id) == [
        ("commission", "cancelled", 4056)  # 8 % of ¥507.00
    ]
    stale = await apply(services, merchant, event("paid", click=click, quantity=3), "m-3")
    assert (stale.changed, stale.reason) == (False, "stale_after_terminal")
    assert await stock(services) == 42


async def test_an_order_id_of_another_merchant_is_refused_and_nothing_is_stored(
    services: Services,
) -> None:
    lumiere = await shop(services)
    await apply(services, lumiere, event("paid"), "m-1")
    other = await shop(services, "wangtech")
    # The same platform's order id from another shop: the demo shops are on other platforms,
    # so report it under Lumière's platform key.
    with pytest.raises(DomainError) as refused:
        await apply_order_event(
            services,
            merchant_id=other.id,
            partner_key=lumiere.partner_key,
            message_id="m-2",
            event=event("refunded"),
            rules=order_rules(services.settings),
            now=datetime.now(UTC),
        )
    assert refused.value.code == "payload.invalid"
    assert refused.value.params == {"field": "order_id", "reason": "conflict"}
    # The unit of work rolled back: not even the receipt of the refused callback is kept.
    assert await count(services, webhook_receipts) == 1
    assert await stock(services) == 41


async def test_low_stock_warns_once_and_the_last_piece_is_sold_out(services: Services) -> None:
    merchant = await shop(services)
    first = await apply(services, merchant, event("paid", order_id="T-1", quantity=39), "m-1")
    assert (first.stock_after, first.low_stock, first.sold_out) == (3, True, False)
    second = await apply(services, merchant, event("paid", order_id="T-2", quantity=1), "m-2")
    assert (second.stock_after, second.low_stock) == (2, False)
    last = await apply(services, merchant, event("paid", order_id="T-3", quantity=5), "m-3")
    assert (last.stock_after, last.sold_out) == (0, True)
    async with services.repos.engine.connect() as conn:
        taken = (
            await conn.execute(
                select(orders.c.stock_taken).where(orders.c.partner_order_id == "T-3")
            )
        ).scalar_one()
    assert taken == 2  # oversold: a refund gives back only what it took
    assert await count(services, commissions) == 0  # no click: unattributed


async def test_a_suspended_merchant_brings_no_new_orders_but_its_refunds_count(
    services: Services,
) -> None:
    merchant = await shop(services)
    await apply(services, merchant, event("paid", order_id="T-1"), "m-1")

    async def as_suspended(incoming: OrderEvent, message_id: str) -> OrderOutcome:
        return await apply_order_event(
            services,
            merchant_id=merchant.id,
            partner_key=merchant.partner_key,
            message_id=message_id,
            event=incoming,
            rules=order_rules(services.settings),
            now=datetime.now(UTC),
            new_orders=False,
        )

    with pytest.raises(DomainError) as refused:
        await as_suspended(event("paid", order_id="T-2"), "m-2")
    assert refused.value.code == "merchant.not_active"
    assert (await count(services, orders), await count(services, webhook_receipts)) == (1, 1)
    refunded = await as_suspended(event("refunded", order_id="T-1"), "m-3")
    assert (refunded.changed, refunded.status, refunded.stock_after) == (True, "refunded", 42)
