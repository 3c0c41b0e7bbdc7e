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
from collections.abc import Sequence
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


class _Scorer:
    """Scores candidates for one fan at one instant, caching decay factors per timestamp."""

    def __init__(self, fan: FanProfile, now: datetime, weights: FeedWeights) -> None:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        pop_half = weights.popularity_half_life.total_seconds()
        fresh_half = weights.freshness_half_life.total_seconds()
        if pop_half <= 0 or fresh_half <= 0:
            raise ValueError("half-lives must be positive")
        self.interests = frozenset(fan.interests)
        self.now = now
        self.now_s = now.timestamp()
        self.weights = weights
        self.pop_rate = math.log(2) / pop_half
        self.fresh_rate = math.log(2) / fresh_half
        # Buckets share timestamps across items, so one exp() per distinct instant suffices.
        self.decay_cache: dict[datetime, float] = {}

    def popularity(self, engagement: Sequence[Engagement]) -> float:
        """Decayed weighted engagement `p` squashed to 0..1 as p / (p + midpoint)."""
        ew = self.weights.engagement
        cache = self.decay_cache
        total = 0.0
        for record in engagement:
            factor = cache.get(record.at)
            if factor is None:
                at = record.at
                if at.tzinfo is None:
                    raise ValueError("engagement times must be timezone-aware")
                factor = math.exp(-self.pop_rate * max(self.now_s - at.timestamp(), 0.0))
                cache[at] = factor
            total += factor * (
                record.clicks * ew.click
                + record.favourites * ew.favourite
                + record.carts * ew.cart
                + record.orders * ew.order
            )
        midpoint = self.weights.popularity_midpoint
        return total / (total + midpoint) if total > 0 else 0.0

    def score(self, candidate: FeedCandidate) -> float:
        """The candidate's feed score (see the module docstring)."""
        w = self.weights
        tags = candidate.tags
        interests = self.interests
        interest = 0.0
        if tags and interests:
            interest = len(tags & interests) / min(len(tags), len(interests))
        created = candidate.created_at
        if created.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        age = max(self.now_s - created.timestamp(), 0.0)
        freshness = math.exp(-self.fresh_rate * age)
        popularity = self.popularity(candidate.engagement) if candidate.engagement else 0.0
        score = w.interest * interest + w.popularity * popularity + w.freshness * freshness
        if candidate.followed:
            score += w.follow_bonus
        return score

    def pinned(self, candidate: FeedCandidate) -> bool:
        """Whether a headline campaign pins the candidate to the top right now."""
        until = candidate.headline_until
        return until is not None and until > self.now


def score_candidate(
    candidate: FeedCandidate,
    fan: FanProfile,
    *,
    now: datetime,
    weights: FeedWeights = DEFAULT_FEED_WEIGHTS,
) -> float:
    """The feed score of one candidate for `fan` at `now` (pinning and caps aside)."""
    return _Scorer(fan, now, weights).score(candidate)


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
    scorer = _Scorer(fan, now, weights)
    keyed = [
        ((not scorer.pinned(c), -scorer.score(c), c.item_id), c)
        for c in candidates
        if not c.sold_out
    ]
    keyed.sort(key=lambda row: row[0])
    seen: set[int] = set()
    ranked: list[FeedCandidate] = []
    for _, candidate in keyed:
        if candidate.item_id not in seen:
            seen.add(candidate.item_id)
            ranked.append(candidate)
    return ranked


def paginate_with_cap(
    ranked: Sequence[FeedCandidate], *, page: int, page_size: int, per_expert_cap: int
) -> FeedPage:
    """Cut page `page` (0-based) of `ranked`, holding at most `per_expert_cap` per expert.

    Equivalent to filling pages in turn by scanning the remaining items in rank order and
    taking each one whose expert is still under the cap on the page being filled.
    """
    if page < 0:
        raise DomainError("feed.bad_page", page=page)
    if page_size < 1 or per_expert_cap < 1:
        raise ValueError("page_size and per_expert_cap must be at least 1")
    # One queue of rank positions per expert; a heap holds each open expert's best position.
    queues: dict[int, list[int]] = {}
    for position, candidate in enumerate(ranked):
        queues.setdefault(candidate.expert_id, []).append(position)
    heads = {expert: 0 for expert in queues}
    heap = [(positions[0], expert) for expert, positions in queues.items()]
    heapq.heapify(heap)
    current = 0
    taken: list[int] = []
    while heap:
        taken = []
        on_page: dict[int, int] = {}
        capped: list[int] = []
        while heap and len(taken) < page_size:
            position, expert = heapq.heappop(heap)
            taken.append(position)
            heads[expert] += 1
            count = on_page.get(expert, 0) + 1
            on_page[expert] = count
            if heads[expert] < len(queues[expert]):
                if count < per_expert_cap:
                    heapq.heappush(heap, (queues[expert][heads[expert]], expert))
                else:
                    capped.append(expert)
        for expert in capped:
            heapq.heappush(heap, (queues[expert][heads[expert]], expert))
        if current == page:
            break
        current += 1
        taken = []
    items = tuple(ranked[position] for position in taken)
    return FeedPage(items=items, page=page, has_next=bool(heap), total=len(ranked))


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
    return paginate_with_cap(
        ranked, page=page, page_size=page_size, per_expert_cap=per_expert_cap
    )
