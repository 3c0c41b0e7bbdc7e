"""Report rules without I/O: consistency sums, ratios, intervals, CSV encoding, and the charts
(written to test-artifacts/charts/ so a person can look at them)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.analytics import charts
from bot.analytics.export import BOM, clicks_csv, deliveries_csv, orders_csv, parse_csv
from bot.analytics.model import (
    CampaignReport,
    TimelineBucket,
    choose_interval,
    error_class,
    fill_timeline,
    ratio,
)
from bot.analytics.rows import ClickRow, DeliveryRow, OrderRow
from bot.texts import Texts

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "charts"
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def a_report(**changes: object) -> CampaignReport:
    """A consistent report: 100 fans addressed, 90 delivered, 30 clicked, 6 orders."""
    base = CampaignReport(
        campaign_id=7,
        expert_id=1,
        kind="push",
        status="running",
        created_at=T0,
        started_at=T0,
        finished_at=None,
        queued=2,
        sending=1,
        sent=90,
        failed=3,
        blocked=4,
        dropped=0,
        digest=0,
        audience=100,
        clicks=40,
        unique_clicks=30,
        orders=6,
        paid_orders=4,
        refunded_orders=1,
        cancelled_orders=1,
        gross_fen=5000,
        refunded_fen=1000,
        paid_fen=4000,
        commission_fen=320,
        timeline=(
            TimelineBucket(T0, 60, 30, 4),
            TimelineBucket(T0 + timedelta(hours=1), 30, 10, 2),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_consistent_report_passes_and_derives_its_ratios() -> None:
    report = a_report()
    assert report.check_consistency() == []
    assert report.delivered == 90 and report.pending == 3
    assert report.gmv_fen == 4000
    assert report.ctr == pytest.approx(30 / 90)
    assert report.conversion == pytest.approx(6 / 30)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"audience": 101}, "outbox statuses"),
        ({"paid_orders": 5}, "orders by status"),
        ({"paid_fen": 3999}, "GMV"),
        ({"unique_clicks": 41}, "unique clicks"),
        ({"timeline": (TimelineBucket(T0, 89, 40, 6),)}, "timeline sends"),
        ({"failed": -1, "audience": 96}, "negative"),
    ],
)
def test_inconsistent_numbers_are_named(changes: dict[str, object], complaint: str) -> None:
    problems = a_report(**changes).check_consistency()
    assert any(complaint in problem for problem in problems), problems


def test_ratios_of_nothing_are_undefined_not_zero() -> None:
    assert ratio(0, 0) is None
    assert a_report(sent=0, queued=92, unique_clicks=0, clicks=0).ctr is None
    assert ratio(1, 4) == 0.25


def test_intervals_keep_the_timeline_short() -> None:
    assert choose_interval(T0, T0 + timedelta(minutes=30)) == 60
    assert choose_interval(T0, T0 + timedelta(hours=6)) == 900
    assert choose_interval(T0, T0 + timedelta(days=1)) == 3600
    assert choose_interval(T0, T0 + timedelta(days=90)) == 86400


def test_fill_timeline_adds_the_quiet_intervals() -> None:
    hour = int(T0.timestamp()) // 3600
    filled = fill_timeline({hour: (5, 1, 0), hour + 3: (0, 2, 1)}, 3600)
    assert [b.sends for b in filled] == [5, 0, 0, 0]
    assert [b.clicks for b in filled] == [1, 0, 0, 2]
    assert filled[0].start == T0
    assert fill_timeline({}, 3600) == ()


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        ("sent", None, ""),
        ("blocked", None, "blocked"),
        ("blocked", "Forbidden: bot was blocked by the user", "blocked"),
        ("failed", "Forbidden: user is deactivated", "deactivated"),
        ("failed", "Bad Request: chat not found", "chat_not_found"),
        ("failed", "Timed out", "timeout"),
        ("failed", "something odd for chat 123456", "other"),
    ],
)
def test_error_classes_carry_no_identity(status: str, error: str | None, expected: str) -> None:
    assert error_class(status, error) == expected


def test_csv_has_a_bom_survives_chinese_and_defuses_formulas() -> None:
    clicks = clicks_csv(
        [ClickRow(T0, "push", 3, '=HYPERLINK("x")', 7), ClickRow(T0, "feed", 4, "保湿面霜", None)],
        SHANGHAI,
    )
    assert clicks.startswith(BOM.encode("utf-8"))
    rows = parse_csv(clicks)
    assert rows[0]["item_title"].startswith("'=")
    assert rows[1]["item_title"] == "保湿面霜" and rows[1]["campaign_id"] == ""
    assert rows[0]["clicked_at"] == "2026-03-01T18:00:00+08:00"
    deliveries = parse_csv(
        deliveries_csv([DeliveryRow(7, "blocked", T0, None, 1, "Forbidden: bot was blocked")], UTC)
    )
    assert deliveries == [
        {
            "campaign_id": "7",
            "status": "blocked",
            "queued_at": "2026-03-01T10:00:00+00:00",
            "sent_at": "",
            "attempts": "1",
            "error_class": "blocked",
        }
    ]
    orders = parse_csv(
        orders_csv(
            [OrderRow(T0, "tmall", "T1", 3, "面霜", "lina", 7, 2, 12345, "refunded", -988)], UTC
        )
    )
    assert (orders[0]["amount_yuan"], orders[0]["commission_yuan"]) == ("123.45", "-9.88")


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts()


def _busy_timeline() -> tuple[TimelineBucket, ...]:
    shape = [
        (900, 40, 1),
        (700, 130, 8),
        (300, 90, 12),
        (0, 40, 7),
        (0, 20, 3),
        (0, 9, 2),
        (0, 5, 1),
        (0, 2, 0),
    ]
    return tuple(TimelineBucket(T0 + timedelta(minutes=15 * i), *v) for i, v in enumerate(shape))


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_charts_render_readable_pngs_in_both_languages(texts: Texts, language: str) -> None:
    from bot.analytics.views import chart_labels

    assert charts.cjk_font_available(), "install the CJK font (make test does: fonts-noto-cjk)"
    services = type("S", (), {"texts": texts})()
    labels = chart_labels(services, language, SHANGHAI)  # type: ignore[arg-type]
    if language == "zh_Hans":
        assert labels.audience == "受众"
    subtitle = texts.label(
        language, "report.chart_subtitle", id=7, kind="Push", started="2026-03-01 18:00"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pictures = {
        "funnel": charts.render_funnel(labels, subtitle, 2000, 1900, 336, 34),
        "funnel-empty": charts.render_funnel(labels, subtitle, 0, 0, 0, 0),
        "timeline": charts.render_timeline(labels, subtitle, _busy_timeline(), 900, SHANGHAI),
        "timeline-empty": charts.render_timeline(labels, subtitle, (), 3600, SHANGHAI),
        "timeline-days": charts.render_timeline(
            labels,
            subtitle,
            tuple(
                TimelineBucket(T0 + timedelta(days=i), 50 * (i == 0), 20 - i, i % 3)
                for i in range(20)
            ),
            86400,
            SHANGHAI,
        ),
    }
    for name, png in pictures.items():
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size == (1200, 900), name
        # A real picture, not a blank canvas: many distinct colours (text antialiasing, bars).
        assert len(image.convert("RGB").getcolors(maxcolors=100_000) or []) > 20, name
        (ARTIFACTS / f"{name}-{language}.png").write_bytes(png)
