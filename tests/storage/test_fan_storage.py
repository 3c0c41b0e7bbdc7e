"""Follows, favourites, cart, interests, settings and erasure on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.demo.seed import seed_into
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.fan_settings import FanSettingsRow
from storage.schema import clicks, events, users
from tests.auxil.databases import fresh_database_url


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    url = fresh_database_url(tmp_path, "fans")
    await migrate(url)
    engine = create_engine(url)
    built = Repositories.build(engine, default_timezone="Asia/Shanghai")
    await seed_into(built, tmp_path / "photos")
    yield built
    await engine.dispose()


async def fan(repos: Repositories, telegram_id: int = 9001) -> int:
    return (await repos.users.upsert_from_telegram(telegram_id, "Fan", None, "en")).id


async def test_following_twice_is_one_follow_with_the_first_source(repos: Repositories) -> None:
    fan_id = await fan(repos)
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    assert await repos.follows.follow(fan_id, lina.id, "deep_link") is True
    assert await repos.follows.follow(fan_id, lina.id, "card") is False
    page, total = await repos.follows.page(fan_id, offset=0, limit=10)
    assert total == 1 and page[0].source == "deep_link" and page[0].muted is False
    assert await repos.experts.follower_count(lina.id) == 1


async def test_mute_toggles_only_for_followed_experts(repos: Repositories) -> None:
    fan_id = await fan(repos)
    wang = await repos.experts.by_handle("techwang")
    assert wang is not None
    assert await repos.follows.toggle_mute(fan_id, wang.id) is None
    await repos.follows.follow(fan_id, wang.id, "card")
    assert await repos.follows.toggle_mute(fan_id, wang.id) is True
    assert await repos.follows.status(fan_id, wang.id) == (True, True)
    assert await repos.follows.toggle_mute(fan_id, wang.id) is False
    assert await repos.follows.unfollow(fan_id, wang.id) is True
    assert await repos.follows.unfollow(fan_id, wang.id) is False
    assert await repos.follows.status(fan_id, wang.id) == (False, False)


async def test_following_pages_newest_first(repos: Repositories) -> None:
    fan_id = await fan(repos)
    for handle in ("lina_beauty", "techwang", "chef_mei"):
        expert = await repos.experts.by_handle(handle)
        assert expert is not None
        await repos.follows.follow(fan_id, expert.id, "browse")
    first, total = await repos.follows.page(fan_id, offset=0, limit=2)
    second, _ = await repos.follows.page(fan_id, offset=2, limit=2)
    assert total == 3 and len(first) == 2 and len(second) == 1
    assert {f.expert.handle for f in first + second} == {"lina_beauty", "techwang", "chef_mei"}


async def test_favourites_toggle_and_keep_delisted_items(repos: Repositories) -> None:
    fan_id = await fan(repos)
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    window, _ = await repos.items.window(lina.id, offset=0, limit=3)
    assert await repos.favourites.toggle(fan_id, window[0].id) is True
    assert await repos.favourites.add(fan_id, window[1].id) is True
    assert await repos.favourites.add(fan_id, window[1].id) is False
    assert await repos.favourites.among(fan_id, [w.id for w in window]) == {
        window[0].id,
        window[1].id,
    }
    assert await repos.favourites.toggle(fan_id, window[0].id) is False
    page, total = await repos.favourites.page(fan_id, offset=0, limit=10)
    assert total == 1 and [i.id for i in page] == [window[1].id]


async def test_cart_adds_counts_caps_and_removes(repos: Repositories) -> None:
    fan_id = await fan(repos)
    lina = await repos.experts.by_handle("lina_beauty")
    wang = await repos.experts.by_handle("techwang")
    assert lina is not None and wang is not None
    serum = (await repos.items.window(lina.id, offset=0, limit=1))[0][0]
    earbuds = (await repos.items.window(wang.id, offset=0, limit=1))[0][0]
    assert await repos.cart.add(fan_id, serum.id) == 1
    assert await repos.cart.add(fan_id, serum.id) == 2
    assert await repos.cart.add(fan_id, earbuds.id) == 1
    assert await repos.cart.set_quantity(fan_id, earbuds.id, 500) == 99
    assert await repos.cart.add(fan_id, earbuds.id) == 99  # held at the table's limit
    lines = await repos.cart.lines(fan_id)
    assert [(line.item.id, line.quantity) for line in lines] == [(serum.id, 2), (earbuds.id, 99)]
    assert lines[0].item.merchant_name != lines[1].item.merchant_name
    assert await repos.cart.set_quantity(fan_id, serum.id, 0) == 0
    assert await repos.cart.set_quantity(fan_id, serum.id, 3) is None  # no longer in the cart
    assert await repos.cart.remove(fan_id, earbuds.id) is True
    assert await repos.cart.lines(fan_id) == []


async def test_carts_are_per_fan(repos: Repositories) -> None:
    ann, bo = await fan(repos, 9001), await fan(repos, 9002)
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    item = (await repos.items.window(lina.id, offset=0, limit=1))[0][0]
    await repos.cart.add(ann, item.id)
    assert await repos.cart.lines(bo) == []
    assert await repos.cart.set_quantity(bo, item.id, 5) is None


async def test_interests_and_settings_round_trip(repos: Repositories) -> None:
    fan_id = await fan(repos)
    assert await repos.interests.toggle(fan_id, "skincare") is True
    assert await repos.interests.toggle(fan_id, "audio") is True
    assert await repos.interests.toggle(fan_id, "skincare") is False
    assert await repos.interests.tags(fan_id) == {"audio"}
    assert await repos.fan_settings.get(fan_id) == FanSettingsRow()
    changed = FanSettingsRow(
        push_mode="digest",
        quiet_start_min=0,
        quiet_end_min=0,
        daily_cap=5,
        digest_hour=8,
        discovery_consent=True,
    )
    await repos.fan_settings.save(fan_id, changed)
    assert await repos.fan_settings.get(fan_id) == changed


async def test_engagement_counts_favourites_carts_and_clicks_per_item(repos: Repositories) -> None:
    fan_id = await fan(repos)
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    item = (await repos.items.window(lina.id, offset=0, limit=1))[0][0]
    await repos.events.record("favourite", user_id=fan_id, expert_id=lina.id, item_id=item.id)
    await repos.events.record("cart_add", user_id=fan_id, expert_id=lina.id, item_id=item.id)
    await repos.events.record("follow", user_id=fan_id, expert_id=lina.id)
    async with repos.engine.begin() as conn:
        await conn.execute(
            insert(clicks).values(
                id="c1",
                item_id=item.id,
                fan_id=fan_id,
                expert_id=lina.id,
                source="window",
                created_at=datetime.now(UTC),
            )
        )
    [engaged] = await repos.events.engagement(since=datetime.now(UTC) - timedelta(days=1))
    assert engaged.item_id == item.id
    assert sum(r.favourites for r in engaged.engagement) == 1
    assert sum(r.carts for r in engaged.engagement) == 1
    assert sum(r.clicks for r in engaged.engagement) == 1
    assert await repos.events.engagement(since=datetime.now(UTC) + timedelta(hours=2)) == []


async def test_forget_erases_personal_data_and_keeps_clicks(repos: Repositories) -> None:
    fan_id = await fan(repos)
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    item = (await repos.items.window(lina.id, offset=0, limit=1))[0][0]
    await repos.follows.follow(fan_id, lina.id, "deep_link")
    await repos.favourites.add(fan_id, item.id)
    await repos.cart.add(fan_id, item.id)
    await repos.interests.toggle(fan_id, "skincare")
    await repos.reservations.reserve(fan_id, item.id)
    async with repos.engine.begin() as conn:
        await conn.execute(
            insert(clicks).values(
                id="c9",
                item_id=item.id,
                fan_id=fan_id,
                expert_id=lina.id,
                source="window",
                created_at=datetime.now(UTC),
            )
        )
    exported = await repos.fan_privacy.export(fan_id)
    assert (
        exported["follows"][0]["expert"] == "lina_beauty" and exported["cart"][0]["quantity"] == 1
    )
    assert exported["interests"] == ["skincare"] and exported["user"]["telegram_id"] == 9001

    await repos.fan_privacy.forget(fan_id)
    after = await repos.fan_privacy.export(fan_id)
    assert after["follows"] == after["favourites"] == after["cart"] == after["reservations"] == []
    assert after["interests"] == [] and after["settings"] is None
    async with repos.engine.connect() as conn:
        row = (await conn.execute(select(users).where(users.c.id == fan_id))).one()
        kept = (await conn.execute(select(clicks.c.fan_id).where(clicks.c.id == "c9"))).scalar_one()
    assert row.telegram_id is None and row.first_name == "" and row.forgotten_at is not None
    assert kept == fan_id
    # The same Telegram account writing again is a new, empty user.
    assert await fan(repos, 9001) != fan_id


async def test_a_nul_in_a_name_is_stored_on_either_backend(repos: Repositories) -> None:
    """PostgreSQL text cannot hold U+0000, which a hostile update may carry; SQLite can."""
    from storage.database import NUL_STAND_IN

    stored = await repos.users.upsert_from_telegram(9100, "Ann\x00Lee", None, "en")
    again = await repos.users.by_telegram_id(9100)
    assert again is not None and again.id == stored.id
    expected = "Ann\x00Lee" if repos.engine.dialect.name == "sqlite" else f"Ann{NUL_STAND_IN}Lee"
    assert again.first_name == expected


async def test_engagement_adds_up_every_action_of_one_hour(repos: Repositories) -> None:
    """Three favourites at different seconds of one hour are 3 in that hour, not the last 1."""
    fan_id = await fan(repos)
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    item = (await repos.items.window(lina.id, offset=0, limit=1))[0][0]
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    async with repos.engine.begin() as conn:
        for seconds in (5, 1_000, 3_500):
            await conn.execute(
                insert(events).values(
                    kind="favourite",
                    at=hour + timedelta(seconds=seconds),
                    user_id=fan_id,
                    expert_id=lina.id,
                    item_id=item.id,
                )
            )
    [engaged] = await repos.events.engagement(since=hour - timedelta(hours=1))
    [in_that_hour] = engaged.engagement
    assert in_that_hour.favourites == 3
    assert in_that_hour.at == hour + timedelta(minutes=30)
