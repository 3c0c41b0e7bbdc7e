"""Ranking boards (/top): hot items, pre-sale wants and rising experts, read from storage.

`top_board` is the use case (one reading unit of work); `board_view` its step inside the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.rankings import (
    HOT_WINDOWS,
    ExpertGrowth,
    PresaleDemand,
    TopBoard,
    hot_items,
    presale_wants,
    rising_experts,
    rising_periods,
)
from bot.fan.paging import Paging, clamp_page
from bot.fan.records import Expert, Item
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services

TOP_PAGE_SIZE = 5
MAX_BOARD_ROWS = 50


@dataclass(frozen=True)
class BoardRow:
    """One row of a board: rank, score, and the item or the expert it ranks."""

    rank: int
    score: float
    item: Item | None = None
    expert: Expert | None = None
    opens_at: datetime | None = None
    gained: int = 0


@dataclass(frozen=True)
class BoardView:
    """A page of one board."""

    board: TopBoard
    vertical: str
    rows: tuple[BoardRow, ...]
    paging: Paging
    out_of_range: bool
    experts: dict[int, Expert]  # the experts of the items on the page, by id


async def _rows(
    repos: Repositories, board: TopBoard, vertical: str | None, now: datetime
) -> list[BoardRow]:
    if board == "hot24h" or board == "hot7d":  # spelt out so the type narrows
        allowed = await repos.browse.listed_item_ids(vertical=vertical)
        engaged = [
            e
            for e in await repos.events.engagement(since=now - HOT_WINDOWS[board], item_ids=allowed)
        ]
        ranked = hot_items(engaged, board=board, now=now, limit=MAX_BOARD_ROWS)
        by_id = await repos.browse.items_by_ids(r.entry.item_id for r in ranked)
        return [
            BoardRow(r.rank, r.score, item=by_id[r.entry.item_id])
            for r in ranked
            if r.entry.item_id in by_id
        ]
    if board == "want":
        presales = {p.item.id: p for p in await repos.browse.presales(vertical=vertical, now=now)}
        ranked_wants = presale_wants(
            (
                PresaleDemand(p.item.id, p.reservations, p.last_reserved_at)
                for p in presales.values()
            ),
            limit=MAX_BOARD_ROWS,
        )
        return [
            BoardRow(
                r.rank,
                r.score,
                item=presales[r.entry.item_id].item,
                opens_at=presales[r.entry.item_id].opens_at,
            )
            for r in ranked_wants
        ]
    gains = await repos.browse.follower_gains(rising_periods(now), vertical=vertical)
    ranked_experts = rising_experts(
        (ExpertGrowth(expert_id, last, prev) for expert_id, last, prev in gains),
        limit=MAX_BOARD_ROWS,
    )
    experts = await repos.browse.experts_by_ids(r.entry.expert_id for r in ranked_experts)
    return [
        BoardRow(r.rank, r.score, expert=experts[r.entry.expert_id], gained=r.entry.gained_last)
        for r in ranked_experts
        if r.entry.expert_id in experts
    ]


async def board_view(
    repos: Repositories, *, board: TopBoard, vertical: str, page: int, now: datetime
) -> BoardView:
    """Page `page` of `board` in `vertical` ("" for every vertical)."""
    rows = await _rows(repos, board, vertical or None, now)
    paging, out_of_range = clamp_page(page, TOP_PAGE_SIZE, len(rows))
    shown = tuple(rows[paging.offset : paging.offset + paging.size])
    return BoardView(
        board=board,
        vertical=vertical,
        rows=shown,
        paging=paging,
        out_of_range=out_of_range,
        experts=await repos.browse.experts_by_ids(
            row.item.expert_id for row in shown if row.item is not None
        ),
    )


async def top_board(
    services: Services, *, board: TopBoard, vertical: str, page: int, now: datetime
) -> BoardView:
    """/top and its board and page buttons: page `page` of `board` in `vertical` at `now`."""
    async with services.unit_of_work() as uow:
        return await board_view(uow, board=board, vertical=vertical, page=page, now=now)
