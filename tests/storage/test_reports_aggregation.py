"""Report aggregates on a real SQLite file with 100,000 outbox rows and 100,000 events,
checked against totals counted in Python from the rows that were written."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bench_reports import NOW, ReportLoad, seed_report_load
from bot.analytics.export import deliveries_csv, orders_csv, parse_csv
from bot.analytics.model import OUTBOX_STATUSES
from storage.database import create_engine
from storage.repositories.analytics import AnalyticsRepository


@pytest.fixture(scope="module")
def load(tmp_path_factory: pytest.TempPathFactory) -> ReportLoad:
    return seed_report_load(tmp_path_factory.mktemp("reports") / "reports.sqlite3")


@pytest.fixture
async def engine(load: ReportLoad) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{load.path}")
    yield engine
    await engine.dispose()


@pytest.fixture
def analytics(engine: AsyncEngine) -> AnalyticsRepository:
    return AnalyticsRepository(engine)


def test_the_load_is_as_big_as_promised(load: ReportLoad) -> None:
    assert load.rows["outbox"] == 100_000 and load.rows["events"] == 100_000


@pytest.mark.parametrize("campaign_id", [1, 2, 3])
async def test_campaign_report_matches_the_rows_written(
    analytics: AnalyticsRepository, load: ReportLoad, campaign_id: int
) -> None:
    truth = load.campaigns[campaign_id]
    report = await analytics.campaign_report(campaign_id)
    assert report is not None
    assert report.expert_id == truth.expert_id
    assert report.audience == sum(truth.outbox.values())
    for status in OUTBOX_STATUSES:
        assert getattr(report, status) == truth.outbox[status], status
    assert report.delivered == truth.outbox["sent"]
    assert report.clicks == truth.clicks
    assert report.unique_clicks == len(truth.click_fans)
    assert report.favourites == truth.events["favourite"]
    assert report.cart_adds == truth.events["cart_add"]
    assert report.card_opens == truth.events["card_open"]
    assert report.new_followers == len(truth.follow_fans)
    assert report.orders == sum(truth.orders.values())
    assert report.paid_orders == truth.orders["paid"]
    assert report.refunded_orders == truth.orders["refunded"]
    assert report.gmv_fen == truth.gross_fen - truth.refunded_fen == truth.paid_fen
    # Refunds after confirmation are booked back by negative adjustments: they net to zero.
    assert report.commission_fen == truth.commission_fen
    assert report.check_consistency() == []
    assert report.ctr == pytest.approx(len(truth.click_fans) / truth.outbox["sent"])
    assert report.conversion == pytest.approx(sum(truth.orders.values()) / len(truth.click_fans))


async def test_timeline_buckets_sends_per_hour_and_sums_to_the_totals(
    analytics: AnalyticsRepository, load: ReportLoad
) -> None:
    report = await analytics.campaign_report(1, interval_seconds=3600)
    assert report is not None
    sends = {int(b.start.timestamp()) // 3600: b.sends for b in report.timeline if b.sends}
    assert sends == dict(load.campaigns[1].sends_by_hour)
    starts = [b.start for b in report.timeline]
    assert starts == sorted(starts)
    assert all(
        later - earlier == timedelta(hours=1) for earlier, later in itertools.pairwise(starts)
    )
    daily = await analytics.campaign_report(1, interval_seconds=86400)
    assert daily is not None and len(daily.timeline) < len(report.timeline)
    assert daily.check_consistency() == []


async def test_unknown_campaign_has_no_report(analytics: AnalyticsRepository) -> None:
    assert await analytics.campaign_report(999) is None
    assert await analytics.campaign_times(999) is None
    owner = await analytics.campaign_times(3)
    assert owner is not None and owner[0] == 2


@pytest.mark.parametrize("expert_id", [1, 2])
async def test_expert_overview_windows(
    analytics: AnalyticsRepository, load: ReportLoad, expert_id: int
) -> None:
    overview = await analytics.expert_overview(expert_id, now=NOW)
    assert overview.followers == load.followers[expert_id]
    for days in (1, 7, 30):
        expected = load.windows.get((expert_id, days), {})
        window = overview.window(days)
        assert window.clicks == expected.get("clicks", 0), days
        assert window.orders == expected.get("orders", 0), days
        assert window.gmv_fen == expected.get("gmv", 0), days
        assert window.commission_fen == expected.get("commission", 0), days
        assert window.followers_gained == expected.get("follow", 0), days
        assert window.followers_lost == expected.get("unfollow", 0), days
    assert overview.window(1).clicks <= overview.window(7).clicks <= overview.window(30).clicks
    assert [c.campaign_id for c in overview.campaigns] == sorted(
        (c for c, t in load.campaigns.items() if t.expert_id == expert_id), reverse=True
    )
    for summary in overview.campaigns:
        truth = load.campaigns[summary.campaign_id]
        assert (summary.audience, summary.sent, summary.clicks) == (
            sum(truth.outbox.values()),
            truth.outbox["sent"],
            truth.clicks,
        )


async def test_platform_totals(analytics: AnalyticsRepository, load: ReportLoad) -> None:
    totals = await analytics.platform_totals(now=NOW, day_start=NOW - timedelta(days=400))
    assert totals.fans == load.fans + 1  # the merchant's owner is a user who is not an expert
    assert (totals.experts, totals.merchants, totals.items) == (2, 1, 3)
    assert totals.campaigns_today == 3
    assert totals.clicks == totals.clicks_today == load.total_clicks
    assert totals.orders == totals.orders_today == load.total_orders
    assert totals.gmv_fen == totals.gmv_today_fen == load.total_paid_fen
    gmvs = [e.gmv_fen for e in totals.top_experts]
    assert gmvs == sorted(gmvs, reverse=True)
    assert {e.expert_id: e.gmv_fen for e in totals.top_experts} == {
        expert_id: load.windows[(expert_id, 30)]["gmv"] for expert_id in (1, 2)
    }
    assert {e.expert_id for e in totals.top_experts} == {1, 2}


async def test_exports_parse_back_to_the_report_and_name_no_fan(
    analytics: AnalyticsRepository, load: ReportLoad
) -> None:
    report = await analytics.campaign_report(2)
    assert report is not None
    deliveries = parse_csv(deliveries_csv(await analytics.delivery_rows(1, 2), NOW.tzinfo))  # type: ignore[arg-type]
    assert len(deliveries) == report.audience
    for status in OUTBOX_STATUSES:
        assert sum(1 for row in deliveries if row["status"] == status) == getattr(report, status)
    assert {row["error_class"] for row in deliveries if row["status"] == "blocked"} == {"blocked"}
    orders = parse_csv(
        orders_csv(await analytics.order_rows(expert_id=1, campaign_id=2), NOW.tzinfo)
    )  # type: ignore[arg-type]
    assert len(orders) == report.orders
    paid = sum(round(float(row["amount_yuan"]) * 100) for row in orders if row["status"] == "paid")
    assert paid == report.gmv_fen
    assert (
        sum(round(float(row["commission_yuan"]) * 100) for row in orders) == report.commission_fen
    )
    header = " ".join(deliveries[0]) + " " + " ".join(orders[0])
    for identity in ("fan", "user", "chat", "telegram"):
        assert identity not in header


async def test_exports_only_cover_the_experts_own_campaigns(analytics: AnalyticsRepository) -> None:
    assert await analytics.delivery_rows(2, 1) == []  # campaign 1 is expert 1's
    assert await analytics.order_rows(expert_id=2, campaign_id=1) == []
    everything = await analytics.delivery_rows(2)
    assert everything and {row.campaign_id for row in everything} == {3}
    clicks = await analytics.click_rows(2)
    assert clicks and all(not hasattr(row, "fan_id") for row in clicks)


async def test_merchant_orders_carry_commission_owed(
    analytics: AnalyticsRepository, load: ReportLoad
) -> None:
    rows = await analytics.order_rows(merchant_ids=[1])
    assert len(rows) == load.total_orders
    assert sum(r.amount_fen for r in rows if r.status == "paid") == load.total_paid_fen
    assert {r.expert_handle for r in rows} == {"expert1", "expert2"}
    assert await analytics.order_rows(merchant_ids=[99]) == []
    with pytest.raises(ValueError):
        await analytics.order_rows()


def test_seed_file_is_where_the_fixture_said(load: ReportLoad) -> None:
    assert Path(load.path).is_file()
