"""/foryou and /top as use cases on a real SQLite file: the feed of a fan who follows an expert,
and the hot board, each with the experts their rows name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fan import cart, follows
from bot.fan.feed import foryou
from bot.fan.top import top_board
from bot.fan.window import now_utc
from bot.services import Services
from tests.services.campaign_world import start_services
from tests.services.fan_world import sold_out, world


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def test_the_feed_shows_the_followed_experts_items_without_the_sold_out(
    services: Services,
) -> None:
    w = await world(services)
    empty = await foryou(services, fan_id=w.ann, page=0, now=now_utc())
    assert empty.items == ()
    await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    await sold_out(services, w.items[2])
    feed = await foryou(services, fan_id=w.ann, page=0, now=now_utc())
    assert {i.id for i in feed.items} == {w.items[0].id, w.items[1].id}
    assert feed.items and set(feed.experts) == {w.lina.id}


async def test_the_hot_board_ranks_items_fans_engaged_with(services: Services) -> None:
    w = await world(services)
    await cart.add_to_cart(services, fan_id=w.ann, item_id=w.items[1].id)
    board = await top_board(services, board="hot24h", vertical="", page=0, now=now_utc())
    ranked = [row.item.id for row in board.rows if row.item is not None]
    assert ranked and ranked[0] == w.items[1].id
    assert set(board.experts) == {w.lina.id} and not board.out_of_range
    rising = await top_board(services, board="rising", vertical="beauty", page=3, now=now_utc())
    assert rising.paging.page == 0
