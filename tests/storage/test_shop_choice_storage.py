"""The publisher's shop list and shop lookup, and an item's merchant status, on real SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.partners import DEFAULT_PARTNERS
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.items import Item
from storage.repositories.merchants import Merchant
from tests.auxil.databases import fresh_database_url


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    url = fresh_database_url(tmp_path, "test")
    await migrate(url)
    engine = create_engine(url)
    yield Repositories.build(engine, default_timezone="Asia/Shanghai")
    await engine.dispose()


async def _shop(
    repos: Repositories, n: int, partner: str, name: str, status: str = "verified"
) -> Merchant:
    owner = await repos.users.upsert_from_telegram(6000 + n, f"Owner {n}", None, "en")
    return await repos.merchants.create(
        user_id=owner.id,
        partner_key=partner,
        shop_id=f"{n:07d}",
        name=name,
        notice_chat_id=6000 + n,
        status=status,
    )


async def _expert(repos: Repositories, telegram_id: int, handle: str) -> int:
    user = await repos.users.upsert_from_telegram(telegram_id, handle, None, "en")
    expert = await repos.experts.create(
        user_id=user.id,
        handle=handle,
        display_name=handle,
        vertical="food",
        tags=[],
        bio="Cooks a lot.",
        status="verified",
    )
    return expert.id


async def test_the_list_offers_verified_shops_of_the_platform_agreed_ones_first(
    repos: Repositories,
) -> None:
    await repos.partners.sync((p.key, p.name, {}) for p in DEFAULT_PARTNERS)
    expert_id = await _expert(repos, 5001, "mei")
    other_expert = await _expert(repos, 5002, "bo")
    zebra = await _shop(repos, 1, "tmall", "Zebra Kitchen")
    apple = await _shop(repos, 2, "tmall", "Apple Pots")
    mango = await _shop(repos, 3, "tmall", "Mango Pans")
    await _shop(repos, 4, "tmall", "Pending Pots", status="pending")
    suspended = await _shop(repos, 5, "tmall", "Gone Pots")
    assert await repos.merchants.decide(suspended.id, "suspended", only_from=("verified",))
    await _shop(repos, 6, "taobao", "Another Platform")
    # Zebra agreed a rate with this expert; Mango only with someone else; Apple proposed one.
    await repos.merchants.add_agreement(zebra.id, 900, expert_id=expert_id, accepted=True)
    await repos.merchants.add_agreement(mango.id, 900, expert_id=other_expert, accepted=True)
    await repos.merchants.add_agreement(apple.id, 900, expert_id=expert_id, accepted=False)

    shops, total = await repos.merchants.verified_on("tmall", expert_id=expert_id, limit=10)
    assert [s.name for s in shops] == ["Zebra Kitchen", "Apple Pots", "Mango Pans"]
    assert total == 3
    first_two, total = await repos.merchants.verified_on("tmall", expert_id=expert_id, limit=2)
    assert [s.name for s in first_two] == ["Zebra Kitchen", "Apple Pots"] and total == 3
    assert await repos.merchants.verified_on("weimai", expert_id=expert_id, limit=5) == ([], 0)


async def test_a_typed_shop_id_or_name_finds_only_verified_shops_of_the_platform(
    repos: Repositories,
) -> None:
    await repos.partners.sync((p.key, p.name, {}) for p in DEFAULT_PARTNERS)
    lodge = await _shop(repos, 1, "tmall", "Lodge Cookware")
    await _shop(repos, 2, "taobao", "Lodge Cookware")
    await _shop(repos, 3, "tmall", "Pending Lodge", status="pending")

    assert [m.id for m in await repos.merchants.find_verified("tmall", "0000001")] == [lodge.id]
    assert [m.id for m in await repos.merchants.find_verified("tmall", "lodge COOKWARE")] == [
        lodge.id
    ]
    assert await repos.merchants.find_verified("tmall", "Pending Lodge") == []
    assert await repos.merchants.find_verified("tmall", "0000002") == []  # the Taobao shop
    assert await repos.merchants.find_verified("tmall", "%") == []  # no pattern matching


async def test_an_item_knows_its_merchant_and_whether_it_is_still_verified(
    repos: Repositories,
) -> None:
    await repos.partners.sync((p.key, p.name, {}) for p in DEFAULT_PARTNERS)
    expert_id = await _expert(repos, 5001, "mei")
    lodge = await _shop(repos, 1, "tmall", "Lodge Cookware")

    async def wok(partner_item_id: str, merchant_id: int | None) -> Item:
        return await repos.items.create(
            expert_id=expert_id,
            merchant_id=merchant_id,
            partner_key="tmall",
            partner_item_id=partner_item_id,
            canonical_url=f"https://detail.tmall.com/item.htm?id={partner_item_id}",
            title="Wok",
            reason="Heats evenly.",
            price_fen=19900,
            stock=3,
        )

    linked = await wok("1", lodge.id)
    unlinked = await wok("2", None)
    assert (linked.merchant_name, linked.merchant_status) == ("Lodge Cookware", "verified")
    assert (unlinked.merchant_name, unlinked.merchant_status) == (None, None)
    assert await repos.merchants.decide(lodge.id, "suspended", only_from=("verified",))
    after = await repos.items.get(linked.id)
    assert after is not None and after.merchant_status == "suspended"
    assert after.merchant_name == "Lodge Cookware"
