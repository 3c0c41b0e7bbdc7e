"""The /foryou feed: rank candidate items for one fan and cut one page, as a pure function.

Score of an item (all terms documented on `FeedWeights`)::

    score = interest_w   * overlap(item tags, fan interests)        # 0..1
          + popularity_w * p / (p + popularity_midpoint)            # 0..1
          + freshness_w  * 0.5 ** (age / freshness_half_life)       # 0..1
          + follow_bonus   if the fan follows the item's expert

where ``overlap = |tags ∩ interests| / min(|tags|, |interests|)`` (0 if either is empty), and
``p`` is the item's engagement (clicks, favourites, carts, orders, weighted as in
`rankings.EngagementWeights`) with each record halved per ``popularity_half_life`` of age.

Order: items pinned by a headline campaign (``headline_until > now``) first, then the rest;
inside each group by score, highest first; ties by lower item id. Sold-out items are left out.

Pages (0-based) are cut in that order with at most ``per_expert_cap`` items per expert per
page: an item over its expert's cap moves to the next page with room for it, ahead of lower
ranked items, so no item is ever lost; a page may hold fewer than ``page_size`` items when only
capped experts have items left.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.errors import DomainError
from bot.domain.rankings import DEFAULT_WEIGHTS, Engagement, EngagementWeights


@dataclass(frozen=True, slots=True)
class FeedCandidate:
    """An item that may appear in a fan's feed, with what the ranking needs to know about it.

    `engagement` holds one record per event or per time bucket (see `rankings.Engagement`).
    All datetimes are timezone-aware.
    """

    item_id: int
    expert_id: int
    followed: bool
    tags: frozenset[str]
    created_at: datetime
    engagement: Sequence[Engagement] = ()
    sold_out: bool = False
    headline_until: datetime | None = None

    def __post_init__(self) -> None:
        """Accept any iterable of tags but keep a frozenset (the ranking intersects sets)."""
        if not isinstance(self.tags, frozenset):
            object.__setattr__(self, "tags", frozenset(self.tags))


@dataclass(frozen=True)
class FanProfile:
    """What the feed knows about the fan: their interest tags."""

    interests: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FeedWeights:
    """The knobs of the feed score; defaults keep every term between 0 and 1 but the bonus."""

    interest: float = 1.0
    popularity: float = 1.0
    freshness: float = 0.5
    follow_bonus: float = 0.6
    popularity_half_life: timedelta = timedelta(hours=24)
    freshness_half_life: timedelta = timedelta(hours=48)
    # Decayed weighted engagement at which the popularity term reaches one half.
    popularity_midpoint: float = 20.0
    engagement: EngagementWeights = field(default=DEFAULT_WEIGHTS)


DEFAULT_FEED_WEIGHTS = FeedWeights()


@dataclass(frozen=True)
class FeedPage:
    """One page of the feed: its items in order, its 0-based number, and the total count."""

    items: tuple[FeedCandidate, ...]
    page: int
    has_next: bool
    total: int


def _make_scorer(
    fan: FanProfile, now: datetime, weights: FeedWeights
) -> Callable[[FeedCandidate], float]:
    """A function scoring candidates for `fan` at `now` (see the module docstring)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    pop_half = weights.popularity_half_life.total_seconds()
    fresh_half = weights.freshness_half_life.total_seconds()
    if pop_half <= 0 or fresh_half <= 0:
        raise ValueError("half-lives must be positive")
    # Everything the hot loop reads is bound to a local once: this runs for every candidate.
    interests = frozenset(fan.interests)
    n_interests = len(interests)
    now_s = now.timestamp()
    pop_rate = math.log(2) / pop_half
    fresh_rate = math.log(2) / fresh_half
    w_interest, w_pop, w_fresh = weights.interest, weights.popularity, weights.freshness
    follow_bonus, midpoint = weights.follow_bonus, weights.popularity_midpoint
    ew = weights.engagement
    w_click, w_fav, w_cart, w_order = ew.click, ew.favourite, ew.cart, ew.order
    exp = math.exp
    # Buckets share timestamps across items, so one exp() per distinct instant suffices.
    decay: dict[datetime, float] = {}

    def score(candidate: FeedCandidate) -> float:
        tags = candidate.tags
        value = 0.0
        if tags and n_interests:
            value = w_interest * len(tags & interests) / min(len(tags), n_interests)
        created = candidate.created_at
        if created.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        age = now_s - created.timestamp()
        value += w_fresh * (exp(-fresh_rate * age) if age > 0 else 1.0)
        if candidate.engagement:
            total = 0.0
            for record in candidate.engagement:
                at = record.at
                factor = decay.get(at)
                if factor is None:
                    if at.tzinfo is None:
                        raise ValueError("engagement times must be timezone-aware")
                    record_age = now_s - at.timestamp()
                    factor = exp(-pop_rate * record_age) if record_age > 0 else 1.0
                    decay[at] = factor
                total += factor * (
                    record.clicks * w_click
                    + record.favourites * w_fav
                    + record.carts * w_cart
                    + record.orders * w_order
                )
            if total > 0:
                value += w_pop * total / (total + midpoint)
        if candidate.followed:
            value += follow_bonus
        return value

    return score


def score_candidate(
    candidate: FeedCandidate,
    fan: FanProfile,
    *,
    now: datetime,
    weights: FeedWeights = DEFAULT_FEED_WEIGHTS,
) -> float:
    """The feed score of one candidate for `fan` at `now` (pinning and caps aside)."""
    return _make_scorer(fan, now, weights)(candidate)


def rank_candidates(
    candidates: Sequence[FeedCandidate],
    fan: FanProfile,
    *,
    now: datetime,
    weights: FeedWeights = DEFAULT_FEED_WEIGHTS,
) -> list[FeedCandidate]:
    """All eligible candidates in feed order, before paging (sold-out and duplicates dropped).

    A duplicated item id keeps its best-ranked copy.
    """
    score = _make_scorer(fan, now, weights)
    kept: list[FeedCandidate] = []
    keys: list[tuple[bool, float, int, int]] = []
    for candidate in candidates:
        if candidate.sold_out:
            continue
        until = candidate.headline_until
        unpinned = until is None or until <= now
        keys.append((unpinned, -score(candidate), candidate.item_id, len(kept)))
        kept.append(candidate)
    keys.sort()
    ranked = [kept[key[3]] for key in keys]
    if len({candidate.item_id for candidate in ranked}) == len(ranked):
        return ranked
    seen: set[int] = set()
    unique: list[FeedCandidate] = []
    for candidate in ranked:
        if candidate.item_id not in seen:
            seen.add(candidate.item_id)
            unique.append(candidate)
    return unique


def paginate_with_cap(
    ranked: Sequence[FeedCandidate], *, page: int, page_size: int, per_expert_cap: int
) -> FeedPage:
    """Cut page `page` (0-based) of `ranked`, holding at most `per_expert_cap` per expert.

    Same result as filling pages in turn by scanning the remaining items in rank order and
    taking each one whose expert is still under the cap on the page being filled; done lazily,
    so an early page costs little more than its own items.
    """
    if page < 0:
        raise DomainError("feed.bad_page", page=page)
    if page_size < 1 or per_expert_cap < 1:
        raise ValueError("page_size and per_expert_cap must be at least 1")
    count = len(ranked)
    cursor = 0  # next never-looked-at position
    # Items passed over because their expert was capped, by expert, in rank order. Each expert
    # with waiting items is in `ready` (a heap of head positions) or capped on this page.
    waiting: dict[int, deque[int]] = {}
    ready: list[tuple[int, int]] = []
    current = 0
    while True:
        taken: list[int] = []
        on_page: dict[int, int] = {}
        capped: list[int] = []
        while len(taken) < page_size:
            if ready and (cursor >= count or ready[0][0] < cursor):
                position, expert = heapq.heappop(ready)
                queue = waiting[expert]
                queue.popleft()
                taken.append(position)
                on_page[expert] = on_page.get(expert, 0) + 1
                if not queue:
                    del waiting[expert]
                elif on_page[expert] < per_expert_cap:
                    heapq.heappush(ready, (queue[0], expert))
                else:
                    capped.append(expert)
            elif cursor < count:
                position = cursor
                cursor += 1
                expert = ranked[position].expert_id
                if expert in waiting:
                    # Its earlier items are waiting, so it is capped on this page.
                    waiting[expert].append(position)
                elif on_page.get(expert, 0) >= per_expert_cap:
                    waiting[expert] = deque((position,))
                    capped.append(expert)
                else:
                    taken.append(position)
                    on_page[expert] = on_page.get(expert, 0) + 1
            else:
                break
        for expert in capped:
            heapq.heappush(ready, (waiting[expert][0], expert))
        has_more = bool(ready) or cursor < count
        if current == page or not has_more:
            break
        current += 1
    items = tuple(ranked[position] for position in taken) if current == page else ()
    return FeedPage(items=items, page=page, has_next=has_more, total=count)


def rank_feed(
    candidates: Sequence[FeedCandidate],
    fan: FanProfile,
    *,
    now: datetime,
    page: int,
    page_size: int = 5,
    per_expert_cap: int = 2,
    weights: FeedWeights = DEFAULT_FEED_WEIGHTS,
) -> FeedPage:
    """Page `page` (0-based) of `fan`'s feed at `now`; a page past the end is empty."""
    if page < 0:
        raise DomainError("feed.bad_page", page=page)
    ranked = rank_candidates(candidates, fan, now=now, weights=weights)
    return paginate_with_cap(ranked, page=page, page_size=page_size, per_expert_cap=per_expert_cap)
