"""Ranking boards: hot items in their windows, pre-sale wants, rising experts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.rankings import (
    Engagement,
    ExpertGrowth,
    ItemEngagement,
    PresaleDemand,
    decayed_score,
    hot_items,
    presale_wants,
    rising_experts,
    rising_periods,
)

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def test_weights_click_favourite_cart_order() -> None:
    record = Engagement(NOW, clicks=1, favourites=1, carts=1, orders=1)
    assert record.weighted() == 1 + 3 + 4 + 10
    score = decayed_score([record], now=NOW, half_life=timedelta(hours=12))
    assert score == pytest.approx(18)


def test_decay_inside_the_window() -> None:
    half_life = timedelta(hours=12)
    assert decayed_score([Engagement(ago(12), orders=1)], now=NOW, half_life=half_life) == (
        pytest.approx(5)
    )
    assert decayed_score([Engagement(ago(24), orders=1)], now=NOW, half_life=half_life) == (
        pytest.approx(2.5)
    )
    # Events from the future (clock skew) count as now, not more.
    assert decayed_score(
        [Engagement(NOW + timedelta(hours=1), clicks=1)], now=NOW, half_life=half_life
    ) == pytest.approx(1)


def test_hot24h_ignores_events_older_than_a_day_but_hot7d_counts_them() -> None:
    fresh = ItemEngagement(1, [Engagement(ago(2), clicks=5)])
    last_week = ItemEngagement(2, [Engagement(ago(48), orders=10)])
    day = hot_items([fresh, last_week], board="hot24h", now=NOW)
    assert [(row.rank, row.entry.item_id) for row in day] == [(1, 1)]
    week = hot_items([fresh, last_week], board="hot7d", now=NOW)
    assert [(row.rank, row.entry.item_id) for row in week] == [(1, 2), (2, 1)]


def test_window_edge_is_inclusive_and_just_past_it_is_not() -> None:
    edge = ItemEngagement(1, [Engagement(ago(24), orders=1)])
    past = ItemEngagement(2, [Engagement(ago(24) - timedelta(seconds=1), orders=1)])
    ranked = hot_items([edge, past], board="hot24h", now=NOW)
    assert [row.entry.item_id for row in ranked] == [1]
    # At the edge the half-life of half the window leaves a quarter of the weight.
    assert ranked[0].score == pytest.approx(10 / 4)


def test_an_order_beats_many_old_clicks_and_ties_go_to_the_lower_id() -> None:
    items = [
        ItemEngagement(7, [Engagement(ago(1), clicks=1)]),
        ItemEngagement(3, [Engagement(ago(1), clicks=1)]),
        ItemEngagement(5, [Engagement(ago(1), orders=1)]),
        ItemEngagement(9, []),
    ]
    ranked = hot_items(items, board="hot24h", now=NOW)
    assert [(row.rank, row.entry.item_id) for row in ranked] == [(1, 5), (2, 3), (3, 7)]
    assert [row.entry.item_id for row in hot_items(items, board="hot24h", now=NOW, limit=2)] == [
        5,
        3,
    ]


def test_presale_wants_by_count_then_earliest_to_reach_it() -> None:
    rows = presale_wants(
        [
            PresaleDemand(1, 5, ago(1)),
            PresaleDemand(2, 9, ago(2)),
            PresaleDemand(3, 5, ago(3)),  # reached 5 before item 1 did
            PresaleDemand(4, 0, None),
            PresaleDemand(6, 5, ago(1)),  # same count and time as item 1: lower id first
        ]
    )
    assert [(row.rank, row.entry.item_id) for row in rows] == [
        (1, 2),
        (2, 3),
        (3, 1),
        (4, 6),
        (5, 4),
    ]
    assert rows[0].score == 9


def test_presale_refuses_negative_counts_and_naive_times() -> None:
    with pytest.raises(ValueError):
        presale_wants([PresaleDemand(1, -1, None)])
    with pytest.raises(ValueError):
        presale_wants([PresaleDemand(1, 1, NOW.replace(tzinfo=None))])


def test_rising_experts_need_a_base_so_one_to_two_is_not_plus_100_percent() -> None:
    rows = rising_experts(
        [
            ExpertGrowth(1, gained_last=2, gained_previous=1),  # below min_gained
            ExpertGrowth(2, gained_last=4, gained_previous=1),  # (4-1)/5 = 0.6
            ExpertGrowth(3, gained_last=150, gained_previous=100),  # 0.5
            ExpertGrowth(4, gained_last=30, gained_previous=10),  # 2.0
            ExpertGrowth(5, gained_last=10, gained_previous=20),  # shrinking: left out
        ]
    )
    assert [(row.rank, row.entry.expert_id) for row in rows] == [(1, 4), (2, 2), (3, 3)]
    assert rows[0].score == pytest.approx(2.0)
    assert rows[1].score == pytest.approx(0.6)


def test_rising_ties_go_to_more_new_followers_then_lower_id() -> None:
    rows = rising_experts(
        [
            ExpertGrowth(9, gained_last=10, gained_previous=5),  # 1.0
            ExpertGrowth(8, gained_last=20, gained_previous=10),  # 1.0, more followers
            ExpertGrowth(7, gained_last=10, gained_previous=5),  # 1.0, same as 9
        ]
    )
    assert [row.entry.expert_id for row in rows] == [8, 7, 9]


def test_rising_periods_are_adjacent_weeks() -> None:
    (last_start, last_end), (prev_start, prev_end) = rising_periods(NOW)
    assert last_end == NOW and last_start == prev_end == NOW - timedelta(days=7)
    assert prev_start == NOW - timedelta(days=14)
