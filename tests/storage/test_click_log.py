"""Buy-link visits recorded in batches (storage/repositories/clicks.py, bot/attribution/click_log.py).

On a real SQLite file: a batch reuses a link's recent click (from the table or from earlier in
the same batch), drops references that no longer exist, and the click log writes concurrent
visits in fewer transactions than visits, each visit answered with a committed click.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.attribution.click_log import CLICK_REUSE, ClickLog
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.clicks import ClickRepository, ClickRequest
from tests.auxil.databases import fresh_database_url

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    url = fresh_database_url(tmp_path, "clicks")
    await migrate(url)
    built = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    yield built
    await built.engine.dispose()


async def _catalogue(repos: Repositories) -> tuple[int, int, int]:
    """(fan id, expert id, item id) of a verified expert with one listed item."""
    await repos.partners.sync([("tmall", "Tmall", {})])
    owner = await repos.users.upsert_from_telegram(9000, "Lina", None, "en")
    fan = await repos.users.upsert_from_telegram(9001, "Fan", None, "en")
    expert = await repos.experts.create(
        user_id=owner.id,
        handle="lina",
        display_name="Lina",
        vertical="beauty",
        tags=[],
        bio="",
        status="verified",
    )
    item = await repos.items.create(
        expert_id=expert.id,
        partner_key="tmall",
        partner_item_id="1",
        canonical_url="https://detail.tmall.com/item.htm?id=1",
        title="Silk Matte",
        reason="Lasts all day",
        price_fen=16900,
        stock=5,
    )
    return fan.id, expert.id, item.id


def _visit(
    tag: str, item_id: int, expert_id: int, *, fan_id: int | None = None, **changes: object
) -> ClickRequest:
    values: dict[str, object] = {
        "link_tag": tag,
        "click_id": "r" * 16,
        "item_id": item_id,
        "expert_id": expert_id,
        "source": "window",
        "fan_id": fan_id,
        "campaign_id": None,
        "sharer_id": None,
        "user_agent": "test",
        "at": NOW,
    }
    values.update(changes)
    return ClickRequest(**values)  # type: ignore[arg-type]


async def test_a_batch_reuses_a_link_opened_earlier_in_the_same_batch(repos: Repositories) -> None:
    fan, expert, item = await _catalogue(repos)
    async with repos.unit_of_work(write=True) as uow:
        first, again, other = await uow.clicks.record_batch(
            [
                _visit("aaaa", item, expert, fan_id=fan, click_id="1" * 16),
                _visit("aaaa", item, expert, fan_id=fan, click_id="2" * 16),
                _visit("bbbb", item, expert, fan_id=fan, click_id="3" * 16),
            ],
            reuse_for=CLICK_REUSE,
        )
    assert first.id == "aaaa" + "1" * 16
    assert again == first  # the reload is the same visit, not a second click
    assert other.id == "bbbb" + "3" * 16
    assert await repos.clicks.count() == 2
    stored = await repos.clicks.get(first.id)
    assert stored is not None and stored.fan_id == fan


async def test_a_link_reopened_later_reuses_its_click_until_the_window_ends(
    repos: Repositories,
) -> None:
    _, expert, item = await _catalogue(repos)
    clicks = repos.clicks
    (opened,) = await clicks.record_batch([_visit("cafe", item, expert)], reuse_for=CLICK_REUSE)
    inside = NOW + CLICK_REUSE - timedelta(seconds=1)
    (reloaded,) = await clicks.record_batch(
        [_visit("cafe", item, expert, click_id="x" * 16, at=inside)], reuse_for=CLICK_REUSE
    )
    after = NOW + CLICK_REUSE + timedelta(seconds=1)
    (later,) = await clicks.record_batch(
        [_visit("cafe", item, expert, click_id="y" * 16, at=after)], reuse_for=CLICK_REUSE
    )
    assert reloaded.id == opened.id
    assert later.id == "cafe" + "y" * 16
    assert await clicks.count() == 2


async def test_a_tag_matches_only_the_ids_that_start_with_it(repos: Repositories) -> None:
    _, expert, item = await _catalogue(repos)
    clicks = repos.clicks
    # "ab" + "c..." and "abc" + "..." share their first characters: each link keeps its own.
    (short,) = await clicks.record_batch(
        [_visit("ab", item, expert, click_id="c" * 16)], reuse_for=CLICK_REUSE
    )
    (longer,) = await clicks.record_batch(
        [_visit("abd", item, expert, click_id="d" * 16)], reuse_for=CLICK_REUSE
    )
    (neighbour,) = await clicks.record_batch(
        [_visit("abe", item, expert, click_id="e" * 16)], reuse_for=CLICK_REUSE
    )
    assert len({short.id, longer.id, neighbour.id}) == 3


async def test_references_that_no_longer_exist_are_dropped(repos: Repositories) -> None:
    fan, expert, item = await _catalogue(repos)
    (click,) = await repos.clicks.record_batch(
        [_visit("dead", item, expert, fan_id=fan, sharer_id=424242, campaign_id=777)],
        reuse_for=CLICK_REUSE,
    )
    assert (click.fan_id, click.sharer_id, click.campaign_id) == (fan, None, None)
    stored = await repos.clicks.get(click.id)
    assert stored == click


async def test_a_bad_tag_is_refused_before_anything_is_written(repos: Repositories) -> None:
    _, expert, item = await _catalogue(repos)
    with pytest.raises(ValueError):
        await repos.clicks.record_batch(
            [_visit("good", item, expert), _visit("no-tag!", item, expert)],
            reuse_for=CLICK_REUSE,
        )
    assert await repos.clicks.count() == 0


async def test_the_buy_page_reads_item_expert_and_the_fans_language_at_once(
    repos: Repositories,
) -> None:
    fan, expert, item = await _catalogue(repos)
    page = await repos.clicks.buy_page(item, fan)
    assert page is not None
    assert (page.item.id, page.expert.id, page.expert.handle) == (item, expert, "lina")
    assert page.item.expert_id == expert
    assert page.fan_language == "en"
    anonymous = await repos.clicks.buy_page(item, None)
    assert anonymous is not None and anonymous.fan_language is None
    assert await repos.clicks.buy_page(item + 1, fan) is None


async def test_concurrent_visits_share_write_transactions_and_all_are_committed(
    repos: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, expert, item = await _catalogue(repos)
    sizes: list[int] = []
    real = ClickRepository.record_visits

    async def counted(
        self: ClickRepository, requests: list[ClickRequest], *, reuse_for: timedelta
    ) -> object:
        sizes.append(len(requests))
        return await real(self, requests, reuse_for=reuse_for)

    monkeypatch.setattr(ClickRepository, "record_visits", counted)  # a spy; the writes are real
    log = ClickLog(repos)
    visits = [_visit(f"{n:04x}", item, expert, click_id=f"{n:016d}") for n in range(60)]
    visits += [_visit("0000", item, expert, click_id="z" * 16)] * 5  # five reloads of link 0
    clicks = await asyncio.gather(*(log.record(visit) for visit in visits))
    await log.close()
    assert sum(sizes) == len(visits)
    assert len(sizes) < len(visits)  # batched: some transactions carried several visits
    assert {click.id for click in clicks[60:]} == {clicks[0].id}  # a reload is the same click
    assert await repos.clicks.count() == 60
    for click in clicks:
        assert await repos.clicks.get(click.id) == click


async def test_a_failed_batch_fails_its_visits_and_the_log_goes_on(repos: Repositories) -> None:
    _, expert, item = await _catalogue(repos)
    log = ClickLog(repos)
    with pytest.raises(ValueError):
        await log.record(_visit("not hex!", item, expert))
    click = await log.record(_visit("f00d", item, expert))
    await log.close()
    assert await repos.clicks.get(click.id) == click
    with pytest.raises(RuntimeError):
        await log.record(_visit("beef", item, expert))


async def test_each_visit_comes_with_its_fans_stored_language(repos: Repositories) -> None:
    """The /go page reads no row of its own: the batch that writes the clicks tells each visit
    the language its fan chose (None for a link naming nobody, or somebody gone)."""
    fan, expert, item = await _catalogue(repos)
    chinese = await repos.users.upsert_from_telegram(9002, "小林", None, "zh-hans")
    log = ClickLog(repos)
    visits = await asyncio.gather(
        log.visit(_visit("a1", item, expert, fan_id=fan)),
        log.visit(_visit("b2", item, expert, fan_id=chinese.id, click_id="s" * 16)),
        log.visit(_visit("c3", item, expert, fan_id=None, click_id="t" * 16)),
        log.visit(_visit("d4", item, expert, fan_id=chinese.id + 1000, click_id="u" * 16)),
    )
    reopened = await log.visit(_visit("b2", item, expert, fan_id=chinese.id, click_id="v" * 16))
    await log.close()
    assert [visit.fan_language for visit in visits] == ["en", "zh_Hans", None, None]
    assert reopened.click == visits[1].click and reopened.fan_language == "zh_Hans"
    assert visits[3].click.fan_id is None  # the unknown fan is not referenced either
