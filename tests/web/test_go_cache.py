"""The Buy page's cache never shows a stale number: an edit in this process is on the next visit,
one made by another process within the cache's stated lifetime, and the cache stays bounded."""

from __future__ import annotations

from sqlalchemy import update

from bot.experts.window import edit_field
from storage.database import create_engine
from storage.repositories.buy_page_cache import BuyPageCache
from storage.schema import items
from tests.web.conftest import MoneyPath, order


async def _owner_of(money: MoneyPath, item_id: int) -> int:
    item = await money.item(item_id)
    expert = await money.services.repos.experts.get(item.expert_id)
    assert expert is not None
    return expert.user_id


async def test_an_edited_price_is_on_the_next_visit(money: MoneyPath) -> None:
    fan = await money.fan_id(1001, "en")
    path = money.buy_path(1, fan)
    assert "¥169.00" in (await money.client.get(path)).text  # now cached
    await edit_field(
        money.services, user_id=await _owner_of(money, 1), item_id=1, field="price", text="199"
    )
    page = await money.client.get(path)
    assert "¥199.00" in page.text and "¥169.00" not in page.text


async def test_stock_an_order_took_is_on_the_next_visit(money: MoneyPath) -> None:
    fan = await money.fan_id(1001, "en")
    path = money.buy_path(1, fan)
    assert "42 in stock" in (await money.client.get(path)).text
    item = await money.item(1)
    answer = await money.post_order(
        await money.merchant(),
        order("CACHE-1", "paid", item=item.partner_item_id, click=None, quantity=2),
    )
    assert answer.status_code == 200, answer.text
    assert "40 in stock" in (await money.client.get(path)).text


async def test_another_process_edit_shows_within_the_lifetime(money: MoneyPath) -> None:
    now = [0.0]
    cache = BuyPageCache(money.services.repos.engine, ttl=5.0, clock=lambda: now[0])
    first = await cache.page(1, None)
    assert first is not None and first.item.price_fen == 16900
    other = create_engine(money.settings.database_url)  # another process's engine and lock
    try:
        async with other.begin() as conn:
            await conn.execute(update(items).where(items.c.id == 1).values(price_fen=25000))
    finally:
        await other.dispose()
    now[0] = 4.9
    kept = await cache.page(1, None)
    assert kept is not None and kept.item.price_fen == 16900  # the stated staleness bound
    now[0] = 5.1
    fresh = await cache.page(1, None)
    assert fresh is not None and fresh.item.price_fen == 25000


async def test_the_cache_keeps_at_most_its_size(money: MoneyPath) -> None:
    cache = BuyPageCache(money.services.repos.engine, size=2)
    for item_id in (1, 2, 3):
        assert await cache.page(item_id, None) is not None
    assert cache.cached_items() == [2, 3]
