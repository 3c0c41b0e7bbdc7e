"""Ranking boards (排行榜): hot items, pre-sale "want" counts and rising experts.

Every board is a pure function of counts the storage layer reads with plain SQL; ranks are
1, 2, 3... after a deterministic tie-break, so the same inputs always give the same board.

Engagement is passed as `Engagement` records: one per raw event, or one per time bucket (e.g.
per hour, with ``at`` at the bucket's middle). Every count in a record is treated as having
happened at its ``at``. The same records feed the /foryou feed's popularity term.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Literal, TypeVar

TopBoard = Literal["hot24h", "hot7d", "want", "rising"]
HOT_WINDOWS: dict[str, timedelta] = {"hot24h": timedelta(hours=24), "hot7d": timedelta(days=7)}
RISING_PERIOD = timedelta(days=7)

E = TypeVar("E")


@dataclass(frozen=True)
class EngagementWeights:
    """What one fan action is worth in a popularity score (order > cart > favourite > click)."""

    click: float = 1.0
    favourite: float = 3.0
    cart: float = 4.0
    order: float = 10.0


DEFAULT_WEIGHTS = EngagementWeights()


@dataclass(frozen=True, slots=True)
class Engagement:
    """Counts of fan actions on one item at (or bucketed around) the instant `at` (aware)."""

    at: datetime
    clicks: int = 0
    favourites: int = 0
    carts: int = 0
    orders: int = 0

    def weighted(self, weights: EngagementWeights = DEFAULT_WEIGHTS) -> float:
        """The undecayed weighted sum of the counts."""
        return (
            self.clicks * weights.click
            + self.favourites * weights.favourite
            + self.carts * weights.cart
            + self.orders * weights.order
        )


@dataclass(frozen=True)
class ItemEngagement:
    """An item and its engagement records."""

    item_id: int
    engagement: Sequence[Engagement]


@dataclass(frozen=True)
class PresaleDemand:
    """A pre-sale item, how many fans reserved it and when the latest reservation came."""

    item_id: int
    reservations: int
    last_reserved_at: datetime | None


@dataclass(frozen=True)
class ExpertGrowth:
    """An expert's net new followers in the last `RISING_PERIOD` and in the one before it."""

    expert_id: int
    gained_last: int
    gained_previous: int


@dataclass(frozen=True)
class Ranked(Generic[E]):
    """One row of a board: its 1-based rank, the entry and the score it was ranked by."""

    rank: int
    entry: E
    score: float


def _require_aware(moment: datetime, name: str) -> None:
    """Refuse naive datetimes: they would silently be read in the server's local zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def decayed_score(
    records: Iterable[Engagement],
    *,
    now: datetime,
    half_life: timedelta,
    window: timedelta | None = None,
    weights: EngagementWeights = DEFAULT_WEIGHTS,
) -> float:
    """Sum of weighted counts, each halved per `half_life` of its age.

    Precisely: score = sum(weighted(r) * 0.5 ** (max(0, now - r.at) / half_life)) over records
    with ``now - r.at <= window`` (all records if window is None); records dated after
    `now` (clock skew) count as age 0.
    """
    _require_aware(now, "now")
    half_life_s = half_life.total_seconds()
    if half_life_s <= 0:
        raise ValueError("half_life must be positive")
    now_s = now.timestamp()
    limit_s = window.total_seconds() if window is not None else math.inf
    rate = math.log(2) / half_life_s
    total = 0.0
    for record in records:
        age = now_s - record.at.timestamp()
        if age > limit_s:
            continue
        total += record.weighted(weights) * math.exp(-rate * max(age, 0.0))
    return total


def _ranked(
    entries: list[tuple[tuple[object, ...], float, E]], limit: int | None
) -> list[Ranked[E]]:
    """Sort by key, cut to `limit` and number the rows from 1."""
    entries.sort(key=lambda row: row[0])
    if limit is not None:
        entries = entries[:limit]
    return [Ranked(rank, entry, score) for rank, (_, score, entry) in enumerate(entries, start=1)]


def hot_items(
    items: Iterable[ItemEngagement],
    *,
    board: Literal["hot24h", "hot7d"],
    now: datetime,
    limit: int | None = None,
    weights: EngagementWeights = DEFAULT_WEIGHTS,
) -> list[Ranked[ItemEngagement]]:
    """Rank items by engagement inside the board's window (24 h or 7 d), decayed inside it.

    Score: `decayed_score` with window = the board's window and half-life = half the window,
    so an action at the window's edge counts a quarter of one made now. Items scoring 0 are
    left out. Ties: lower item id first.
    """
    window = HOT_WINDOWS[board]
    scored: list[tuple[tuple[object, ...], float, ItemEngagement]] = []
    for item in items:
        score = decayed_score(
            item.engagement, now=now, half_life=window / 2, window=window, weights=weights
        )
        if score > 0:
            scored.append(((-score, item.item_id), score, item))
    return _ranked(scored, limit)


def presale_wants(
    presales: Iterable[PresaleDemand], *, limit: int | None = None
) -> list[Ranked[PresaleDemand]]:
    """Rank pre-sale items by reservations; ties go to the item that reached its count first.

    "Reached first" is the earlier `last_reserved_at`; items with no reservations come last;
    remaining ties: lower item id first. The score is the reservation count.
    """
    scored: list[tuple[tuple[object, ...], float, PresaleDemand]] = []
    for presale in presales:
        if presale.reservations < 0:
            raise ValueError("reservations cannot be negative")
        reached = math.inf  # never reserved: after every reserved item
        if presale.last_reserved_at is not None:
            _require_aware(presale.last_reserved_at, "last_reserved_at")
            reached = presale.last_reserved_at.timestamp()
        key = (-presale.reservations, reached, presale.item_id)
        scored.append((key, float(presale.reservations), presale))
    return _ranked(scored, limit)


def rising_periods(now: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """The half-open periods [start, end) for "last" and "previous" follower gains."""
    _require_aware(now, "now")
    return (now - RISING_PERIOD, now), (now - 2 * RISING_PERIOD, now - RISING_PERIOD)


def rising_experts(
    growth: Iterable[ExpertGrowth],
    *,
    min_base: int = 5,
    min_gained: int = 3,
    limit: int | None = None,
) -> list[Ranked[ExpertGrowth]]:
    """Rank experts by how much faster they gained followers this period than the last one.

    Score = (gained_last - gained_previous) / max(gained_previous, min_base): the floor
    `min_base` keeps 1 -> 2 new followers from reading as +100 %. Experts with fewer than
    `min_gained` new followers, or a score <= 0, are left out. Ties: more new followers first,
    then lower expert id.
    """
    if min_base < 1:
        raise ValueError("min_base must be at least 1")
    scored: list[tuple[tuple[object, ...], float, ExpertGrowth]] = []
    for expert in growth:
        if expert.gained_last < min_gained:
            continue
        score = (expert.gained_last - expert.gained_previous) / max(
            expert.gained_previous, min_base
        )
        if score > 0:
            scored.append(((-score, -expert.gained_last, expert.expert_id), score, expert))
    return _ranked(scored, limit)
