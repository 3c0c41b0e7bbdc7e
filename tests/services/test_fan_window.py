"""An expert's window and its cards on a real SQLite file: /window with and without a handle,
paging past the end, opening a card or its details, pre-sale reservations, inline sharing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.domain.states import ItemStatus
from bot.fan import follows, search, window
from bot.fan.window import now_utc
from bot.services import Services
from tests.services.campaign_world import expert, start_services
from tests.services.fan_world import world


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def test_window_by_handle_opens_the_first_card_and_counts_the_open(
    services: Services,
) -> None:
    w = await world(services)
    opened = await window.open_window(services, fan_id=w.ann, handle="lina")
    assert opened.view is not None and opened.view.item is not None
    assert opened.view.item.id == w.items[0].id and opened.view.paging.pages == 3
    assert await services.repos.events.count("card_open", item_id=w.items[0].id) == 1
    with pytest.raises(DomainError) as refused:
        await window.open_window(services, fan_id=w.ann, handle="ghost")
    assert (refused.value.code, refused.value.params) == ("expert.unknown", {"handle": "ghost"})


async def test_bare_window_opens_the_one_followed_window_or_offers_the_choice(
    services: Services,
) -> None:
    w = await world(services)
    none = await window.open_window(services, fan_id=w.ann, handle=None)
    assert none.view is None and none.choices == ()
    await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    one = await window.open_window(services, fan_id=w.ann, handle=None)
    assert one.view is not None and one.view.expert.id == w.lina.id
    _user, mei = await expert(services, 902, "mei")
    await follows.follow_expert(services, fan_id=w.ann, expert_id=mei.id, source="card")
    two = await window.open_window(services, fan_id=w.ann, handle=None)
    assert two.view is None and {e.id for e in two.choices} == {w.lina.id, mei.id}


async def test_a_page_past_the_end_shows_the_last_card_and_says_it_moved(
    services: Services,
) -> None:
    w = await world(services)
    await services.repos.items.set_status(w.items[2].id, ItemStatus.DELISTED)
    view = await window.window_page(services, fan_id=w.ann, expert_id=w.lina.id, page=2)
    assert view.out_of_range and view.paging.page == 1
    assert view.item is not None and view.item.id == w.items[1].id
    await services.repos.experts.set_status(w.lina.id, "suspended")
    with pytest.raises(DomainError) as refused:
        await window.window_page(services, fan_id=w.ann, expert_id=w.lina.id, page=0)
    assert refused.value.code == "expert.gone"


async def test_an_empty_window_has_no_card(services: Services) -> None:
    w = await world(services)
    _user, mei = await expert(services, 902, "mei")
    view = await window.window_page(services, fan_id=w.ann, expert_id=mei.id, page=0)
    assert view.item is None and not view.out_of_range


async def test_a_card_counts_as_opened_only_when_sent_anew(services: Services) -> None:
    w = await world(services)
    item = w.items[1]
    await window.open_item(services, fan_id=w.ann, item_id=item.id, source="feed", new_card=True)
    shown = await window.open_item(
        services, fan_id=w.ann, item_id=item.id, source="feed", new_card=False
    )
    details = await window.item_details(services, fan_id=w.ann, item_id=item.id)
    assert shown.item.id == details.item.id == item.id and shown.presale_opens is None
    assert await services.repos.events.count("card_open", item_id=item.id) == 1
    await services.repos.items.set_status(item.id, ItemStatus.SUSPENDED)
    with pytest.raises(DomainError) as refused:
        await window.item_details(services, fan_id=w.ann, item_id=item.id)
    assert refused.value.code == "item.gone"


async def test_a_presale_is_reserved_once_and_only_before_it_opens(services: Services) -> None:
    w = await world(services)
    item = w.items[0]
    with pytest.raises(DomainError) as refused:
        await window.reserve_presale(services, fan_id=w.ann, item_id=item.id, source="top")
    assert refused.value.code == "item.not_presale"
    await services.repos.items.set_presale_opening(item.id, now_utc() + timedelta(days=2))
    first = await window.reserve_presale(services, fan_id=w.ann, item_id=item.id, source="top")
    again = await window.reserve_presale(services, fan_id=w.ann, item_id=item.id, source="top")
    assert (first.created, again.created) == (True, False)
    assert await services.repos.events.count("reserve", user_id=w.ann) == 1
    shown = await window.open_item(
        services, fan_id=w.ann, item_id=item.id, source="top", new_card=False
    )
    assert shown.presale_opens is not None
    await services.repos.items.set_status(item.id, ItemStatus.DELISTED)
    with pytest.raises(DomainError) as refused:
        await window.reserve_presale(services, fan_id=w.ann, item_id=item.id, source="top")
    assert refused.value.code == "item.gone"


async def test_inline_sharing_finds_an_item_by_number_only_while_it_may_be_shown(
    services: Services,
) -> None:
    w = await world(services)
    item = w.items[0]
    found = await search.shareable_items(services, query=f"#{item.id}", offset=0)
    assert [i.id for i in found.items] == [item.id] and w.lina.id in found.experts
    assert (await search.shareable_items(services, query=f"#{item.id}", offset=10)).items == ()
    by_words = await search.shareable_items(services, query="Serum", offset=0)
    assert {i.id for i in by_words.items} == {i.id for i in w.items}
    await services.repos.experts.set_status(w.lina.id, "suspended")
    assert (await search.shareable_items(services, query=f"#{item.id}", offset=0)).items == ()
