"""The cart's and favourites' use cases on a real SQLite file: what a fan is allowed to put in
the cart, what the cart shows after each change, and the ♥ toggle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.domain.states import ItemStatus
from bot.fan import cart, favourites
from bot.services import Services
from tests.services.campaign_world import start_services
from tests.services.fan_world import sold_out, world


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def test_adding_counts_up_and_is_recorded_once_per_press(services: Services) -> None:
    w = await world(services)
    item = w.items[0]
    first = await cart.add_to_cart(services, fan_id=w.ann, item_id=item.id)
    second = await cart.add_to_cart(services, fan_id=w.ann, item_id=item.id)
    assert (first.quantity, second.quantity) == (1, 2)
    assert first.item.id == item.id
    assert await services.repos.events.count("cart_add", user_id=w.ann, item_id=item.id) == 2
    view = await cart.show_cart(services, fan_id=w.ann, page=0)
    assert [(line.item.id, line.quantity) for line in view.shown] == [(item.id, 2)]
    assert view.total_fen == 2 * item.price_fen


async def test_a_sold_out_item_is_refused_with_its_code_and_nothing_is_written(
    services: Services,
) -> None:
    w = await world(services)
    item = await sold_out(services, w.items[0])
    with pytest.raises(DomainError) as refused:
        await cart.add_to_cart(services, fan_id=w.ann, item_id=item.id)
    assert refused.value.code == "item.sold_out"
    assert (await cart.show_cart(services, fan_id=w.ann, page=0)).shown == ()
    assert await services.repos.events.count("cart_add", user_id=w.ann) == 0


@pytest.mark.parametrize("status", [ItemStatus.DELISTED, ItemStatus.SUSPENDED])
async def test_an_unlisted_or_missing_item_is_gone(services: Services, status: str) -> None:
    w = await world(services)
    await services.repos.items.set_status(w.items[0].id, status)
    for item_id in (w.items[0].id, 999_999):
        with pytest.raises(DomainError) as refused:
            await cart.add_to_cart(services, fan_id=w.ann, item_id=item_id)
        assert refused.value.code == "item.gone"


async def test_a_line_that_sold_out_meanwhile_keeps_its_quantity_until_removed(
    services: Services,
) -> None:
    w = await world(services)
    item = w.items[0]
    await cart.add_to_cart(services, fan_id=w.ann, item_id=item.id)
    await cart.add_to_cart(services, fan_id=w.ann, item_id=item.id)
    await sold_out(services, item)
    with pytest.raises(DomainError) as refused:
        await cart.set_cart_quantity(services, fan_id=w.ann, item_id=item.id, quantity=3, page=0)
    assert refused.value.code == "item.sold_out"
    with pytest.raises(DomainError) as refused:
        await cart.set_cart_quantity(services, fan_id=w.ann, item_id=item.id, quantity=1, page=0)
    assert refused.value.code == "item.sold_out"
    # The sold-out line stays in the cart as it was, and costs nothing towards the total.
    view = await cart.show_cart(services, fan_id=w.ann, page=0)
    assert [line.quantity for line in view.shown] == [2]
    assert view.total_fen == 0
    removed = await cart.set_cart_quantity(
        services, fan_id=w.ann, item_id=item.id, quantity=0, page=0
    )
    assert (removed.quantity, removed.cart.shown) == (0, ())


async def test_removing_a_line_twice_says_the_second_time_it_was_not_there(
    services: Services,
) -> None:
    w = await world(services)
    item = w.items[1]
    await cart.add_to_cart(services, fan_id=w.ann, item_id=item.id)
    first = await cart.remove_from_cart(services, fan_id=w.ann, item_id=item.id, page=0)
    again = await cart.remove_from_cart(services, fan_id=w.ann, item_id=item.id, page=0)
    assert (first.quantity, again.quantity) == (0, None)
    assert again.cart.shown == ()


async def test_a_page_that_no_longer_exists_shows_the_last_one(services: Services) -> None:
    w = await world(services)
    for item in w.items:
        await cart.add_to_cart(services, fan_id=w.ann, item_id=item.id)
    view = await cart.show_cart(services, fan_id=w.ann, page=4)
    assert view.moved and view.paging.page == 0
    assert len(view.shown) == 3


async def test_the_heart_toggles_and_only_adding_is_counted(services: Services) -> None:
    w = await world(services)
    item = w.items[2]
    added = await favourites.toggle_favourite(services, fan_id=w.ann, item_id=item.id)
    assert added.favourite and added.listing is None
    removed = await favourites.toggle_favourite(
        services, fan_id=w.ann, item_id=item.id, list_page=0
    )
    assert not removed.favourite
    assert removed.listing is not None and removed.listing.items == ()
    assert await services.repos.events.count("favourite", user_id=w.ann) == 1


async def test_the_favourites_list_redrawn_after_a_toggle_shows_the_toggle(
    services: Services,
) -> None:
    w = await world(services)
    for item in w.items:
        await favourites.toggle_favourite(services, fan_id=w.ann, item_id=item.id)
    toggled = await favourites.toggle_favourite(
        services, fan_id=w.ann, item_id=w.items[0].id, list_page=0
    )
    assert toggled.listing is not None
    assert {i.id for i in toggled.listing.items} == {w.items[1].id, w.items[2].id}
    shown = await favourites.show_favourites(services, fan_id=w.ann, page=0)
    assert shown.items == toggled.listing.items


async def test_a_heart_on_an_item_that_no_longer_exists_is_gone(services: Services) -> None:
    w = await world(services)
    with pytest.raises(DomainError) as refused:
        await favourites.toggle_favourite(services, fan_id=w.ann, item_id=424242)
    assert refused.value.code == "item.gone"
