"""Read-side queries fans need over experts and items: browsing, search, feed and boards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, false, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from storage.repositories.experts import Expert, row_to_expert
from storage.repositories.items import Item, row_to_item, select_items
from storage.schema import experts, follows, items, reservations
from storage.unit_of_work import Database

MAX_FEED_CANDIDATES = 500


@dataclass(frozen=True)
class ExpertSummary:
    """An expert as a browsing list shows them."""

    expert: Expert
    followers: int
    items: int


@dataclass(frozen=True)
class FeedItem:
    """A candidate for the feed: the item and whether the fan follows its expert."""

    item: Item
    followed: bool


@dataclass(frozen=True)
class PresaleItem:
    """A pre-sale item with its opening time and reservations so far."""

    item: Item
    opens_at: datetime
    reservations: int
    last_reserved_at: datetime | None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _json_has(column: ColumnElement[object], value: str) -> ColumnElement[bool]:
    """A JSON list column contains the string `value` (keys are [a-z0-9_], safe to quote)."""
    return cast(column, String).like(f'%"{_escape_like(value)}"%', escape="\\")


def _contains(column: ColumnElement[object], text: str) -> ColumnElement[bool]:
    return func.lower(column).like(f"%{_escape_like(text.lower())}%", escape="\\")


def _visible_expert() -> ColumnElement[bool]:
    return experts.c.status == "verified"


class BrowseRepository:
    """Queries across experts, items, follows and reservations for the fan screens."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def experts_page(
        self,
        *,
        vertical: str | None,
        word_groups: Sequence[Sequence[str]] = (),
        offset: int,
        limit: int,
    ) -> tuple[list[ExpertSummary], int]:
        """Verified experts (most followed first), in `vertical` if given, matching every group.

        An expert matches a group of alternatives when any alternative is in their name or
        handle, is one of their tags, or is their vertical.
        """
        where: list[ColumnElement[bool]] = [_visible_expert()]
        if vertical:
            where.append(experts.c.vertical == vertical)
        for group in word_groups:
            alternatives: list[ColumnElement[bool]] = []
            for word in group:
                alternatives += [
                    _contains(experts.c.display_name, word),
                    _contains(experts.c.handle, word),
                    _json_has(experts.c.tags, word),
                    experts.c.vertical == word,
                ]
            where.append(or_(*alternatives) if alternatives else false())
        followers = (
            select(func.count())
            .select_from(follows)
            .where(follows.c.expert_id == experts.c.id)
            .scalar_subquery()
        )
        item_count = (
            select(func.count())
            .select_from(items)
            .where(items.c.expert_id == experts.c.id, items.c.status == "listed")
            .scalar_subquery()
        )
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(experts).where(*where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(experts, followers.label("n_followers"), item_count.label("n_items"))
                    .where(*where)
                    .order_by(followers.desc(), experts.c.id)
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [
            ExpertSummary(row_to_expert(row), int(row.n_followers), int(row.n_items))
            for row in rows
        ], int(total)

    async def experts_by_ids(self, expert_ids: Iterable[int]) -> dict[int, Expert]:
        """The experts with these ids, by id."""
        ids = list(set(expert_ids))
        if not ids:
            return {}
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(experts).where(experts.c.id.in_(ids)))).all()
        return {row.id: row_to_expert(row) for row in rows}

    async def items_by_ids(self, item_ids: Iterable[int]) -> dict[int, Item]:
        """The items with these ids (any status), by id."""
        ids = list(set(item_ids))
        if not ids:
            return {}
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select_items().where(items.c.id.in_(ids)))).all()
        return {row.id: row_to_item(row) for row in rows}

    async def feed_candidates(
        self, fan_id: int, interests: frozenset[str], *, now: datetime
    ) -> list[FeedItem]:
        """Listed, open items of verified experts the fan follows or whose tags meet their interests."""
        followed = select(follows.c.expert_id).where(follows.c.fan_id == fan_id)
        reach: list[ColumnElement[bool]] = [items.c.expert_id.in_(followed)]
        for tag in sorted(interests):
            reach += [_json_has(items.c.tags, tag), _json_has(experts.c.tags, tag)]
        query = (
            select_items()
            .add_columns(items.c.expert_id.in_(followed).label("is_followed"))
            .join(experts, experts.c.id == items.c.expert_id)
            .where(
                _visible_expert(),
                items.c.status == "listed",
                or_(
                    items.c.presale_opens_at.is_(None),
                    items.c.presale_opens_at <= int(now.timestamp()),
                ),
                or_(*reach),
            )
            .order_by(items.c.created_at.desc(), items.c.id.desc())
            .limit(MAX_FEED_CANDIDATES)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [FeedItem(row_to_item(row), bool(row.is_followed)) for row in rows]

    async def listed_item_ids(self, *, vertical: str | None) -> frozenset[int]:
        """Ids of listed items of verified experts (in `vertical` if given)."""
        where: list[ColumnElement[bool]] = [_visible_expert(), items.c.status == "listed"]
        if vertical:
            where.append(experts.c.vertical == vertical)
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(items.c.id)
                    .select_from(items.join(experts, experts.c.id == items.c.expert_id))
                    .where(*where)
                )
            ).all()
        return frozenset(row.id for row in rows)

    async def presales(self, *, vertical: str | None, now: datetime) -> list[PresaleItem]:
        """Listed items of verified experts whose pre-sale has not opened yet, with reservations."""
        counts = (
            select(
                reservations.c.item_id,
                func.count().label("n"),
                func.max(reservations.c.created_at).label("last_at"),
            )
            .group_by(reservations.c.item_id)
            .subquery()
        )
        where: list[ColumnElement[bool]] = [
            _visible_expert(),
            items.c.status == "listed",
            items.c.presale_opens_at > int(now.timestamp()),
        ]
        if vertical:
            where.append(experts.c.vertical == vertical)
        query = (
            select_items()
            .add_columns(
                items.c.presale_opens_at.label("opens_at"),
                func.coalesce(counts.c.n, 0).label("n_reserved"),
                counts.c.last_at.label("last_reserved"),
            )
            .join(experts, experts.c.id == items.c.expert_id)
            .outerjoin(counts, counts.c.item_id == items.c.id)
            .where(*where)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            PresaleItem(
                row_to_item(row),
                row.opens_at,
                int(row.n_reserved),
                row.last_reserved,
            )
            for row in rows
        ]

    async def presale_opens_at(self, item_id: int) -> datetime | None:
        """When the item's pre-sale opens (None if it is not a pre-sale item)."""
        async with self._engine.connect() as conn:
            opens_at: datetime | None = (
                await conn.execute(select(items.c.presale_opens_at).where(items.c.id == item_id))
            ).scalar_one_or_none()
        return opens_at

    async def follower_gains(
        self,
        periods: tuple[tuple[datetime, datetime], tuple[datetime, datetime]],
        *,
        vertical: str | None,
    ) -> list[tuple[int, int, int]]:
        """(expert id, follows gained in the last period, in the previous one) per verified expert."""
        (last_start, last_end), (prev_start, _prev_end) = periods
        at = follows.c.created_at
        where: list[ColumnElement[bool]] = [
            _visible_expert(),
            at >= int(prev_start.timestamp()),
            at < int(last_end.timestamp()),
        ]
        if vertical:
            where.append(experts.c.vertical == vertical)
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(follows.c.expert_id, at)
                    .select_from(follows.join(experts, experts.c.id == follows.c.expert_id))
                    .where(*where)
                )
            ).all()
        last_s, prev_s = int(last_start.timestamp()), int(prev_start.timestamp())
        tally: dict[int, list[int]] = {}
        for row in rows:
            moment = int(row.created_at.timestamp())
            counts = tally.setdefault(row.expert_id, [0, 0])
            if moment >= last_s:
                counts[0] += 1
            elif moment >= prev_s:
                counts[1] += 1
        return [(expert_id, last, prev) for expert_id, (last, prev) in sorted(tally.items())]

    async def search_items(self, query: str, *, offset: int, limit: int) -> list[Item]:
        """Listed items of verified experts whose title contains `query` (all if empty), newest first."""
        where: list[ColumnElement[bool]] = [_visible_expert(), items.c.status == "listed"]
        if query.strip():
            where.append(_contains(items.c.title, query.strip()))
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select_items()
                    .join(experts, experts.c.id == items.c.expert_id)
                    .where(*where)
                    .order_by(items.c.created_at.desc(), items.c.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [row_to_item(row) for row in rows]
