"""Window ordering and pins, reports and the audit log on real SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain.partners import DEFAULT_PARTNERS
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from tests.auxil.databases import fresh_database_url


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    url = fresh_database_url(tmp_path, "test")
    await migrate(url)
    engine = create_engine(url)
    yield Repositories.build(engine, default_timezone="Asia/Shanghai")
    await engine.dispose()


async def _expert_with_items(repos: Repositories, count: int) -> tuple[int, list[int]]:
    await repos.partners.sync((p.key, p.name, {}) for p in DEFAULT_PARTNERS)
    user = await repos.users.upsert_from_telegram(5001, "E", None, "en")
    expert = await repos.experts.create(
        user_id=user.id,
        handle="e_one",
        display_name="E",
        vertical="beauty",
        tags=[],
        bio="b",
        status="verified",
    )
    ids = []
    for n in range(count):
        item = await repos.items.create(
            expert_id=expert.id,
            partner_key="tmall",
            partner_item_id=str(n),
            canonical_url=f"https://detail.tmall.com/item.htm?id={n}",
            title=f"Item {n}",
            reason="A good reason here.",
            price_fen=100 + n,
            stock=1,
        )
        ids.append(item.id)
    return expert.id, ids


async def test_reorder_swaps_neighbours_and_stops_at_the_ends(repos: Repositories) -> None:
    expert_id, (a, b, c) = await _expert_with_items(repos, 3)
    assert await repos.items.move(c, -1)
    order = [i.id for i in (await repos.items.window(expert_id, offset=0, limit=10))[0]]
    assert order == [a, c, b]
    assert not await repos.items.move(a, -1)
    assert not await repos.items.move(b, +1)


async def test_one_pin_per_expert_and_pinned_items_lead_the_window(repos: Repositories) -> None:
    expert_id, (a, b, c) = await _expert_with_items(repos, 3)
    soon = datetime.now(UTC) + timedelta(days=1)
    await repos.items.pin(b, soon)
    await repos.items.pin(c, soon)
    window = (await repos.items.window(expert_id, offset=0, limit=10))[0]
    assert [i.id for i in window] == [c, a, b]
    assert (await repos.items.get(b)).pinned_until is None  # type: ignore[union-attr]


async def test_status_changes_hide_items_from_the_window(repos: Repositories) -> None:
    expert_id, (a, b) = await _expert_with_items(repos, 2)
    assert await repos.items.set_status(a, "delisted", only_from=("listed",))
    assert not await repos.items.set_status(a, "delisted", only_from=("listed",))
    await repos.items.set_status(b, "suspended")
    assert (await repos.items.window(expert_id, offset=0, limit=10))[1] == 0
    mine, total = await repos.items.of_expert(expert_id)
    assert total == 2 and {i.status for i in mine} == {"delisted", "suspended"}


async def test_edits_reset_the_low_stock_warning_and_refuse_other_columns(
    repos: Repositories,
) -> None:
    _expert, (a,) = await _expert_with_items(repos, 1)
    item = await repos.items.update_fields(a, price_fen=999, stock=7)
    assert (item.price_fen, item.stock) == (999, 7)
    with pytest.raises(ValueError):
        await repos.items.update_fields(a, expert_id=2)


async def test_one_open_report_per_fan_and_item(repos: Repositories) -> None:
    _expert, (a,) = await _expert_with_items(repos, 1)
    fan = await repos.users.upsert_from_telegram(5002, "F", None, "en")
    first, created = await repos.item_reports.create(a, fan.id, "spam")
    again, created_again = await repos.item_reports.create(a, fan.id, "fake")
    assert created and not created_again and first == again
    assert await repos.item_reports.count_open() == 1
    assert await repos.item_reports.resolve_for_item(a, "upheld") == 1
    assert not await repos.item_reports.resolve(first, "dismissed")


async def test_handles_are_unique_case_insensitively_and_refunds_are_counted(
    repos: Repositories,
) -> None:
    expert_id, _ = await _expert_with_items(repos, 0)
    assert (await repos.experts.by_handle("E_ONE")).id == expert_id  # type: ignore[union-attr]
    other = await repos.users.upsert_from_telegram(5003, "O", None, "en")
    with pytest.raises(IntegrityError):
        await repos.experts.create(
            user_id=other.id, handle="E_One", display_name="O", vertical="beauty", tags=[], bio=""
        )
    assert await repos.experts.order_outcomes(expert_id) == (0, 0)
    assert [e.id for e in await repos.experts.with_status("verified")] == [expert_id]


async def test_audit_entries_are_kept_in_order(repos: Repositories) -> None:
    await repos.audit.record(None, "item.publish", "item", 1, {"title": "x"})
    await repos.audit.record(None, "item.delist", "item", 1)
    await repos.audit.record(None, "item.delist", "item", 2)
    assert [e.action for e in await repos.audit.for_target("item", 1)] == [
        "item.publish",
        "item.delist",
    ]
    assert (await repos.audit.recent(1))[0].target_id == 2
