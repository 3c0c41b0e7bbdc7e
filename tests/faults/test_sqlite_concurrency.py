"""Concurrent writers: 8 writers × 1,000 transactions on one real SQLite file (or PostgreSQL).

Through the real services and units of work: two writers log Buy-link clicks (the click log's
group commit), two apply paid order callbacks (receipt, order, stock, commission in one unit),
two move outbox rows through the dispatcher's writes (enqueue, claim, record the result: the
engine-level writers that do not queue on the in-process lock, so SQLite's own locking is in play
as well), and two toggle favourites. Afterwards: no 'database is locked' (no transaction failed
at all), every write is there (counted per kind), and `PRAGMA integrity_check` is ok. The figures
are printed (pytest -s shows them); nothing is timed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, func, select, text

from bot.config import Settings
from bot.demo.seed import seed_into
from bot.domain.orders import OrderEvent
from bot.domain.states import OrderStatus, OutboxStatus
from bot.fan.favourites import toggle_favourite
from bot.orders.intake import order_rules
from bot.orders.service import apply_order_event
from bot.services import Services
from storage.repositories.clicks import ClickRequest
from storage.repositories.outbox import SendResult
from storage.schema import clicks, favourites, items, orders, outbox, users

WRITERS_PER_KIND = 2
TRANSACTIONS = 1_000  # per writer


@pytest.fixture
async def services(settings: Settings, tmp_path: Path) -> AsyncIterator[Services]:
    started = await Services.start(settings)
    await seed_into(started.repos, tmp_path / "photos")
    yield started
    await started.close()


async def _scalar(services: Services, query: Select[Any]) -> int:
    async with services.repos.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_eight_writers_a_thousand_transactions_each(services: Services) -> None:
    repos = services.repos
    async with repos.engine.connect() as conn:
        item_ids = list(
            (await conn.execute(select(items.c.id).where(items.c.status == "listed"))).scalars()
        )
        fans = list((await conn.execute(select(users.c.id))).scalars())
    item = await repos.items.get(item_ids[0])
    assert item is not None and item.merchant_id is not None
    merchant = await repos.merchants.get(item.merchant_id)
    assert merchant is not None
    new_fans = [
        (await repos.users.upsert_from_telegram(700_000 + n, "Fan", None, "en")).id
        for n in range(TRANSACTIONS * WRITERS_PER_KIND // len(item_ids) + 1)
    ]
    fans += new_fans
    failures: Counter[str] = Counter()
    done: Counter[str] = Counter()
    now = datetime.now(UTC)

    async def click(writer: int, n: int) -> None:
        await services.click_log.record(
            ClickRequest(
                link_tag=f"{writer:04x}{n:012x}",
                click_id=f"{n:016d}",
                item_id=item.id,
                expert_id=item.expert_id,
                source="window",
                fan_id=fans[n % len(fans)],
                campaign_id=None,
                sharer_id=None,
                user_agent=None,
                at=now,
            )
        )

    async def order(writer: int, n: int) -> None:
        await apply_order_event(
            services,
            merchant_id=merchant.id,
            partner_key=merchant.partner_key,
            message_id=f"msg-{writer}-{n}",
            event=OrderEvent(
                order_id=f"C{writer}-{n}",
                status=OrderStatus.PAID,
                partner_item_id=item.partner_item_id,
                click_id=None,
                quantity=1,
                amount_fen=100 + n,
                currency="CNY",
                occurred_at=now,
            ),
            rules=order_rules(services.settings),
            now=now,
        )

    async def delivery(writer: int, n: int) -> None:
        key = f"load:{writer}:{n}"
        fan = fans[n % len(fans)]
        assert await repos.outbox.enqueue("notice", 900_000 + fan, {}, key, user_id=fan)
        async with repos.engine.connect() as conn:
            row_id = (
                await conn.execute(select(outbox.c.id).where(outbox.c.dedup_key == key))
            ).scalar_one()
        lease = now + timedelta(minutes=1)
        assert await repos.outbox.claim([row_id], worker="w", lease_until=lease) == {row_id}
        await repos.outbox.record([SendResult(row_id, OutboxStatus.SENT, now, 1)], worker="w")

    async def favourite(writer: int, n: int) -> None:
        number = (writer % WRITERS_PER_KIND) * TRANSACTIONS + n
        fan = new_fans[number // len(item_ids)]
        toggled = await toggle_favourite(
            services, fan_id=fan, item_id=item_ids[number % len(item_ids)]
        )
        assert toggled.favourite

    async def writer(kind: str, number: int, act: Callable[[int, int], Awaitable[None]]) -> None:
        for n in range(TRANSACTIONS):
            try:
                await act(number, n)
                done[kind] += 1
            except Exception as error:  # counted and shown, never swallowed: the test fails
                failures[f"{kind}: {type(error).__name__}: {str(error)[:80]}"] += 1

    acts = {"clicks": click, "orders": order, "outbox": delivery, "favourites": favourite}
    clicks_before = await _scalar(services, select(func.count()).select_from(clicks))
    favourites_before = await _scalar(services, select(func.count()).select_from(favourites))
    await asyncio.gather(
        *(
            writer(kind, number, act)
            for kind, act in acts.items()
            for number in range(WRITERS_PER_KIND)
        )
    )
    expected = TRANSACTIONS * WRITERS_PER_KIND
    stored = {
        "clicks": await _scalar(services, select(func.count()).select_from(clicks)) - clicks_before,
        "orders": await _scalar(
            services, select(func.count()).where(orders.c.partner_order_id.like("C%"))
        ),
        "outbox": await _scalar(
            services,
            select(func.count()).where(
                outbox.c.dedup_key.like("load:%"), outbox.c.status == "sent"
            ),
        ),
        "favourites": await _scalar(services, select(func.count()).select_from(favourites))
        - favourites_before,
    }
    integrity = "ok"  # PostgreSQL has no such check to run: it checks constraints on each write
    if repos.engine.dialect.name == "sqlite":
        async with repos.engine.connect() as conn:
            integrity = (await conn.execute(text("PRAGMA integrity_check"))).scalar_one()
    print(
        f"\n{len(acts) * WRITERS_PER_KIND} writers x {TRANSACTIONS} transactions: "
        f"done {dict(done)}; stored {stored}; failures {sum(failures.values())} "
        f"({dict(failures) or 'none'}); integrity_check {integrity}"
    )
    assert not failures
    assert stored == dict.fromkeys(acts, expected)
    assert integrity == "ok"
