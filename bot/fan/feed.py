"""The /foryou feed: gather candidates from storage and rank them with `domain.feed`.

`foryou` is the use case (one reading unit of work); `feed_view` its step inside the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.buying import is_sold_out
from bot.domain.feed import FanProfile, FeedCandidate, rank_feed
from bot.fan.records import Expert, Item
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services

FEED_PAGE_SIZE = 5
PER_EXPERT_CAP = 2
# Engagement older than this barely moves the popularity term (24 h half-life).
ENGAGEMENT_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class FeedView:
    """One page of a fan's feed, with the items to show in order."""

    items: tuple[Item, ...]
    page: int
    has_next: bool
    total: int
    interests: frozenset[str]
    experts: dict[int, Expert]  # the items' experts, by id


async def feed_view(repos: Repositories, fan_id: int, *, page: int, now: datetime) -> FeedView:
    """Page `page` of the fan's feed: followed experts and verified experts matching interests."""
    interests = await repos.interests.tags(fan_id)
    candidates = await repos.browse.feed_candidates(fan_id, interests, now=now)
    by_id = {c.item.id: c.item for c in candidates}
    engagement = {
        e.item_id: e.engagement
        for e in await repos.events.engagement(since=now - ENGAGEMENT_LOOKBACK, item_ids=by_id)
    }
    ranked = rank_feed(
        [
            FeedCandidate(
                item_id=c.item.id,
                expert_id=c.item.expert_id,
                followed=c.followed,
                tags=frozenset(c.item.tags),
                created_at=c.item.created_at,
                engagement=engagement.get(c.item.id, ()),
                sold_out=is_sold_out(c.item),
                headline_until=c.item.pinned_until,
            )
            for c in candidates
        ],
        FanProfile(interests=interests),
        now=now,
        page=page,
        page_size=FEED_PAGE_SIZE,
        per_expert_cap=PER_EXPERT_CAP,
    )
    return FeedView(
        items=tuple(by_id[c.item_id] for c in ranked.items),
        page=page,
        has_next=ranked.has_next,
        total=ranked.total,
        interests=interests,
        experts=await repos.browse.experts_by_ids(by_id[c.item_id].expert_id for c in ranked.items),
    )


async def foryou(services: Services, *, fan_id: int, page: int, now: datetime) -> FeedView:
    """/foryou and its page buttons: page `page` of the fan's feed at `now`."""
    async with services.unit_of_work() as uow:
        return await feed_view(uow, fan_id, page=page, now=now)
