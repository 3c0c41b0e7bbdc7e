"""The money path's edge cases: oversold refunds, suspended merchants' reversals,
confirmations racing refunds, reloaded Buy links, shared cards and the photo proxy."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import event, select, update
from starlette.applications import Starlette

from bot.domain.tokens import BuyToken, derive_key, sign_buy_token
from bot.domain.webhooks import new_webhook_secret
from bot.http import HttpContext, routes_for
from bot.links import BUY_TOKEN_PURPOSE
from storage.schema import clicks, commissions, experts, items
from tests.web.conftest import BOT_USERNAME, MoneyPath, order

ITEM = "600000000001"  # demo item 1 of lina_beauty at Lumière, ¥169.00, stock 42
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def set_stock(money: MoneyPath, stock: int, item_id: int = 1) -> None:
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(update(items).where(items.c.id == item_id).values(stock=stock))


async def click_rows(money: MoneyPath) -> list[dict[str, object]]:
    async with money.services.repos.engine.connect() as conn:
        return [dict(r._mapping) for r in (await conn.execute(select(clicks))).all()]


# 1. A refund restores only the stock its order actually took.


async def test_refund_after_an_oversell_restores_only_what_was_taken(money: MoneyPath) -> None:
    merchant = await money.merchant()
    await set_stock(money, 1)
    paid = await money.post_order(
        merchant, order("OS-1", "paid", item=ITEM, click=None, quantity=5)
    )
    assert paid.status_code == 200 and (await money.item(1)).stock == 0
    refunded = await money.post_order(
        merchant, order("OS-1", "refunded", item=ITEM, click=None, quantity=5)
    )
    assert refunded.json()["order_status"] == "refunded"
    assert (await money.item(1)).stock == 1  # the one piece it took, not the five it claimed


async def test_cancelling_a_partly_covered_order_after_a_restock_keeps_the_restock(
    money: MoneyPath,
) -> None:
    merchant = await money.merchant()
    await set_stock(money, 3)
    await money.post_order(merchant, order("OS-2", "paid", item=ITEM, click=None, quantity=5))
    assert (await money.item(1)).stock == 0
    await set_stock(money, 10)  # the expert restocked meanwhile
    await money.post_order(merchant, order("OS-2", "cancelled", item=ITEM, click=None, quantity=5))
    assert (await money.item(1)).stock == 13
    # A fully covered order still gives back everything.
    await money.post_order(merchant, order("OS-3", "paid", item=ITEM, click=None, quantity=4))
    await money.post_order(merchant, order("OS-3", "refunded", item=ITEM, click=None, quantity=4))
    assert (await money.item(1)).stock == 13


# 2. A suspended merchant's verified reversals of existing orders are still applied.


async def test_a_suspended_merchant_can_still_reverse_existing_orders(money: MoneyPath) -> None:
    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    await money.post_order(merchant, order("SU-1", "paid", item=ITEM, click=click))
    assert [r[1] for r in await commission_states(money)] == ["pending"]
    await money.services.repos.merchants.decide(merchant.id, "suspended", only_from=("verified",))

    new_paid = await money.post_order(merchant, order("SU-2", "paid", item=ITEM, click=click))
    assert new_paid.status_code == 403
    forged = await money.post_order(
        merchant,
        order("SU-1", "refunded", item=ITEM, click=click),
        secret=new_webhook_secret(),
    )
    assert forged.status_code in (401, 403)
    refunded = await money.post_order(merchant, order("SU-1", "refunded", item=ITEM, click=click))
    assert refunded.status_code == 200, refunded.text
    assert refunded.json() == {"status": "applied", "order_status": "refunded"}
    assert [r[1] for r in await commission_states(money)] == ["cancelled"]
    assert (await money.item(1)).stock == 42
    # A reversal of an order never seen is still refused: nothing new comes from this merchant.
    unknown = await money.post_order(merchant, order("SU-3", "cancelled", item=ITEM, click=None))
    assert unknown.status_code == 403


async def commission_states(money: MoneyPath) -> list[tuple[int, str]]:
    async with money.services.repos.engine.connect() as conn:
        query = select(commissions.c.id, commissions.c.status).order_by(commissions.c.id)
        rows = (await conn.execute(query)).all()
    return [(r[0], r[1]) for r in rows]


# 3. confirm_due announces only the commissions it really confirmed.


async def test_a_refund_landing_during_confirmation_is_not_announced(money: MoneyPath) -> None:
    merchant = await money.merchant()
    fan = await money.fan_id()
    for n in (1, 2):
        click = await money.click(1, fan)
        await money.post_order(merchant, order(f"CF-{n}", "paid", item=ITEM, click=click))
    [(first, _), (second, _)] = await commission_states(money)
    engine = money.services.repos.engine.sync_engine
    fired: list[str] = []

    def refund_lands_first(  # type: ignore[no-untyped-def]
        conn, cursor, statement, parameters, context, executemany
    ):
        # Between reading the due rows and confirming them, a refund cancels one of them.
        if not fired and statement.lstrip().upper().startswith("UPDATE COMMISSIONS"):
            fired.append(statement)
            # The id inlined: the drivers' placeholders differ (? for sqlite3, $1 for asyncpg).
            cursor.execute(f"UPDATE commissions SET status = 'cancelled' WHERE id = {int(second)}")

    event.listen(engine, "before_cursor_execute", refund_lands_first)
    try:
        confirmed = await money.services.repos.commissions.confirm_due(
            now=datetime.now(UTC) + timedelta(days=30), refund_window=timedelta(days=7)
        )
    finally:
        event.remove(engine, "before_cursor_execute", refund_lands_first)
    assert fired
    assert [c.id for c in confirmed] == [first]
    assert await commission_states(money) == [(first, "confirmed"), (second, "cancelled")]


# 4. Reloading one Buy link is one click.


async def test_reloading_a_buy_link_reuses_its_click(money: MoneyPath) -> None:
    fan = await money.fan_id()
    path = money.buy_path(1, fan)
    first = await money.client.get(path)
    again = await money.client.get(path)
    assert first.status_code == again.status_code == 200
    [row] = await click_rows(money)
    assert f"continue?c={row['id']}" in first.text and f"continue?c={row['id']}" in again.text
    # Another link (issued to another fan, or later) is another click.
    await money.client.get(money.buy_path(1, await money.fan_id(1002)))
    assert len(await click_rows(money)) == 2
    # Past the reuse window the same link counts again.
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(update(clicks).values(created_at=int(time.time()) - 3600))
    await money.client.get(path)
    assert len(await click_rows(money)) == 3


# 5. A shared card's link names no fan: the recipient is unknown, the sharer is credited.


async def test_a_link_without_a_fan_records_no_fan_and_follows_the_browser(
    money: MoneyPath,
) -> None:
    sharer = await money.fan_id(1001, "zh-hans")
    key = derive_key(money.settings.secret_key, BUY_TOKEN_PURPOSE)
    token = sign_buy_token(BuyToken(1, 0, "share", None, sharer, int(time.time())), key)
    page = await money.client.get(f"/go/{token}", headers={"accept-language": "en-GB,en;q=0.9"})
    assert page.status_code == 200 and "Continue to Tmall" in page.text
    [row] = await click_rows(money)
    assert (row["fan_id"], row["sharer_id"], row["source"]) == (None, sharer, "share")


# 6. The photo proxy fetches a Telegram photo once and serves only shown items.


async def test_telegram_photos_are_fetched_once_and_only_for_shown_items(
    money: MoneyPath,
) -> None:
    fetched: list[str] = []

    async def fetch_file(file_id: str) -> bytes | None:
        fetched.append(file_id)
        return PNG

    async def nothing(*_args: object) -> None:
        return None

    ctx = HttpContext(
        services=money.services,
        bot_username=lambda: BOT_USERNAME,
        fetch_file=fetch_file,
        on_order=nothing,
    )  # type: ignore[arg-type]
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(
            update(items).where(items.c.id == 1).values(photo_path=None, photo_file_id="AgAD-1")
        )
    transport = httpx.ASGITransport(app=Starlette(routes=routes_for(ctx)))
    async with httpx.AsyncClient(transport=transport, base_url="http://vitrine.test") as client:
        for _ in range(5):
            photo = await client.get("/items/1/photo")
            assert photo.status_code == 200 and photo.content == PNG
        assert fetched == ["AgAD-1"]

        item = await money.item(1)
        async with money.services.repos.engine.begin() as conn:
            await conn.execute(
                update(experts).where(experts.c.id == item.expert_id).values(status="suspended")
            )
        assert (await client.get("/items/1/photo")).status_code == 404
    assert fetched == ["AgAD-1"]
