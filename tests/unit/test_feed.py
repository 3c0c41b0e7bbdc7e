"""The /foryou ranking: score terms, headline pins, sold-out items, per-expert caps and paging."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import DomainError
from bot.domain.feed import (
    FanProfile,
    FeedCandidate,
    FeedWeights,
    paginate_with_cap,
    rank_candidates,
    rank_feed,
    score_candidate,
)
from bot.domain.rankings import Engagement

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
FAN = FanProfile(interests=frozenset({"skincare", "makeup", "phones"}))


def item(
    item_id: int,
    expert_id: int | None = None,
    *,
    followed: bool = False,
    tags: Sequence[str] = (),
    age_hours: float = 24,
    engagement: Sequence[Engagement] = (),
    sold_out: bool = False,
    headline_until: datetime | None = None,
) -> FeedCandidate:
    """A candidate with neutral defaults; each item its own expert unless told."""
    return FeedCandidate(
        item_id=item_id,
        expert_id=item_id if expert_id is None else expert_id,
        followed=followed,
        tags=frozenset(tags),
        created_at=NOW - timedelta(hours=age_hours),
        engagement=tuple(engagement),
        sold_out=sold_out,
        headline_until=headline_until,
    )


def ids(candidates: Sequence[FeedCandidate]) -> list[int]:
    return [c.item_id for c in candidates]


def test_interest_match_ranks_first() -> None:
    page = rank_feed([item(1, tags=["cars"]), item(2, tags=["skincare"])], FAN, now=NOW, page=0)
    assert ids(page.items) == [2, 1]


def test_overlap_counts_the_share_of_matching_tags() -> None:
    half = score_candidate(item(1, tags=["skincare", "cars"]), FAN, now=NOW)
    full = score_candidate(item(2, tags=["skincare"]), FAN, now=NOW)
    none = score_candidate(item(3, tags=["cars"]), FAN, now=NOW)
    assert full > half > none
    # An empty profile gives no interest term at all.
    assert score_candidate(item(2, tags=["skincare"]), FanProfile(), now=NOW) == pytest.approx(
        score_candidate(item(3, tags=["cars"]), FanProfile(), now=NOW)
    )


def test_orders_outweigh_favourites_outweigh_clicks() -> None:
    at = NOW - timedelta(hours=1)
    click = item(1, engagement=[Engagement(at, clicks=1)])
    favourite = item(2, engagement=[Engagement(at, favourites=1)])
    order = item(3, engagement=[Engagement(at, orders=1)])
    page = rank_feed([click, favourite, order], FAN, now=NOW, page=0)
    assert ids(page.items) == [3, 2, 1]


def test_popularity_decays_with_the_half_life() -> None:
    weights = FeedWeights(popularity_half_life=timedelta(hours=10), freshness=0.0)
    recent = item(1, engagement=[Engagement(NOW - timedelta(hours=1), orders=1)])
    old = item(2, engagement=[Engagement(NOW - timedelta(hours=30), orders=1)])
    assert score_candidate(recent, FAN, now=NOW, weights=weights) > score_candidate(
        old, FAN, now=NOW, weights=weights
    )
    # Two orders 10 h ago weigh exactly what one order now weighs (one half-life).
    one_now = item(3, engagement=[Engagement(NOW, orders=1)])
    two_then = item(4, engagement=[Engagement(NOW - timedelta(hours=10), orders=2)])
    assert score_candidate(one_now, FAN, now=NOW, weights=weights) == pytest.approx(
        score_candidate(two_then, FAN, now=NOW, weights=weights)
    )


def test_raw_events_and_buckets_score_the_same() -> None:
    at = NOW - timedelta(hours=3)
    raw = item(1, engagement=[Engagement(at, clicks=1)] * 4 + [Engagement(at, orders=1)])
    bucketed = item(2, engagement=[Engagement(at, clicks=4, orders=1)])
    assert score_candidate(raw, FAN, now=NOW) == pytest.approx(
        score_candidate(bucketed, FAN, now=NOW)
    )


def test_fresh_items_beat_old_ones_all_else_equal() -> None:
    page = rank_feed([item(1, age_hours=200), item(2, age_hours=1)], FAN, now=NOW, page=0)
    assert ids(page.items) == [2, 1]


def test_follow_bonus() -> None:
    page = rank_feed([item(1), item(2, followed=True)], FAN, now=NOW, page=0)
    assert ids(page.items) == [2, 1]


def test_headline_pinned_items_come_first_until_the_pin_ends() -> None:
    best = item(1, tags=["skincare"], followed=True, age_hours=0)
    pinned = item(2, age_hours=300, headline_until=NOW + timedelta(hours=1))
    expired = item(3, age_hours=300, headline_until=NOW)
    page = rank_feed([best, pinned, expired], FAN, now=NOW, page=0)
    assert ids(page.items) == [2, 1, 3]


def test_sold_out_items_are_excluded_and_not_counted() -> None:
    page = rank_feed(
        [item(1), item(2, sold_out=True, headline_until=NOW + timedelta(days=1))],
        FAN,
        now=NOW,
        page=0,
    )
    assert ids(page.items) == [1]
    assert page.total == 1


def test_ties_break_by_item_id_whatever_the_input_order() -> None:
    candidates = [item(i) for i in (5, 3, 9, 1, 7)]
    for seed in range(5):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        assert ids(rank_feed(shuffled, FAN, now=NOW, page=0).items) == [1, 3, 5, 7, 9]


def test_at_most_two_per_expert_per_page_and_overflow_spills() -> None:
    # Expert 100's four items are the best ones; expert 200 and 300 have weaker ones.
    strong = [item(i, 100, tags=["skincare"], followed=True, age_hours=i) for i in (1, 2, 3, 4)]
    weak = [item(10, 200), item(11, 300, age_hours=30), item(12, 300, age_hours=40)]
    first = rank_feed(strong + weak, FAN, now=NOW, page=0, page_size=5)
    assert ids(first.items) == [1, 2, 10, 11, 12]
    assert first.has_next and first.total == 7
    second = rank_feed(strong + weak, FAN, now=NOW, page=1, page_size=5)
    assert ids(second.items) == [3, 4]  # spilled, not lost
    assert not second.has_next


def test_a_single_expert_fills_pages_of_cap_size() -> None:
    candidates = [item(i, 1, age_hours=i) for i in range(1, 8)]
    pages = [rank_feed(candidates, FAN, now=NOW, page=p) for p in range(5)]
    assert [ids(p.items) for p in pages] == [[1, 2], [3, 4], [5, 6], [7], []]
    assert [p.has_next for p in pages] == [True, True, True, False, False]


def test_pages_partition_the_feed_exactly() -> None:
    rng = random.Random(3)
    candidates = [
        item(
            i,
            rng.randrange(6),
            tags=rng.sample(["skincare", "cars", "phones"], 1),
            age_hours=rng.random() * 100,
            sold_out=rng.random() < 0.1,
        )
        for i in range(60)
    ]
    seen: list[int] = []
    page_number = 0
    while True:
        page = rank_feed(candidates, FAN, now=NOW, page=page_number, page_size=4)
        seen += ids(page.items)
        counts: dict[int, int] = {}
        for c in page.items:
            counts[c.expert_id] = counts.get(c.expert_id, 0) + 1
        assert max(counts.values(), default=0) <= 2
        if not page.has_next:
            break
        page_number += 1
    assert sorted(seen) == sorted(c.item_id for c in candidates if not c.sold_out)
    assert len(seen) == page.total


def reference_pages(ranked: list[FeedCandidate], page_size: int, cap: int) -> list[list[int]]:
    """The paging rule written the slow, obvious way."""
    remaining = ranked[:]
    pages: list[list[int]] = []
    while remaining:
        taken: list[FeedCandidate] = []
        counts: dict[int, int] = {}
        for candidate in remaining:
            if len(taken) == page_size:
                break
            if counts.get(candidate.expert_id, 0) < cap:
                taken.append(candidate)
                counts[candidate.expert_id] = counts.get(candidate.expert_id, 0) + 1
        remaining = [c for c in remaining if c not in taken]
        pages.append(ids(taken))
    return pages


@pytest.mark.parametrize("seed", range(30))
def test_paging_matches_the_obvious_rule(seed: int) -> None:
    rng = random.Random(seed)
    ranked = [item(i, rng.randrange(rng.randint(1, 8))) for i in range(rng.randint(0, 40))]
    page_size, cap = rng.randint(1, 6), rng.randint(1, 3)
    expected = reference_pages(ranked, page_size, cap)
    for number in range(len(expected) + 2):
        page = paginate_with_cap(ranked, page=number, page_size=page_size, per_expert_cap=cap)
        assert ids(page.items) == (expected[number] if number < len(expected) else [])
        assert page.has_next == (number < len(expected) - 1)


def test_duplicated_candidates_appear_once() -> None:
    page = rank_feed([item(1), item(1, followed=True), item(2)], FAN, now=NOW, page=0)
    assert ids(page.items) == [1, 2]
    assert page.items[0].followed  # the better-ranked copy is kept
    assert page.total == 2


def test_a_page_far_past_the_end_is_empty_and_cheap() -> None:
    page = rank_feed([item(1), item(2)], FAN, now=NOW, page=10**15)
    assert page.items == () and not page.has_next and page.total == 2


def test_negative_page_and_naive_times_are_refused() -> None:
    with pytest.raises(DomainError) as caught:
        rank_feed([item(1)], FAN, now=NOW, page=-1)
    assert caught.value.code == "feed.bad_page"
    with pytest.raises(ValueError):
        rank_feed([item(1)], FAN, now=NOW.replace(tzinfo=None), page=0)
    naive = FeedCandidate(1, 1, False, frozenset(), NOW.replace(tzinfo=None))
    with pytest.raises(ValueError):
        rank_feed([naive], FAN, now=NOW, page=0)


def test_ten_thousand_candidates_rank_consistently() -> None:
    # Size check, not a timing check: the bench measures speed.
    rng = random.Random(11)
    hours = [NOW - timedelta(hours=h) for h in range(168)]
    candidates = [
        item(
            i,
            rng.randrange(500),
            tags=rng.sample(["skincare", "cars", "phones", "tea"], 2),
            age_hours=rng.random() * 300,
            engagement=[Engagement(rng.choice(hours), clicks=rng.randrange(9))] * rng.randrange(3),
        )
        for i in range(10_000)
    ]
    ranked = rank_candidates(candidates, FAN, now=NOW)
    scores = [score_candidate(c, FAN, now=NOW) for c in ranked]
    assert len(ranked) == 10_000
    assert all(a >= b for a, b in itertools.pairwise(scores))
