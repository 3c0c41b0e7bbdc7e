"""What the statistics handlers send: rendered summaries and charts (drawn off the loop).

The numbers come from bot/analytics/service.py; nothing here reads the database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.analytics import charts
from bot.analytics.model import CampaignReport, ExpertOverview
from bot.texts import MessageTooLong

if TYPE_CHECKING:
    from bot.services import Services

# A finished campaign's timeline runs a little past its end: clicks and orders trail the sends.
TIMELINE_TAIL = timedelta(days=2)


def zone(name: str) -> tzinfo:
    """The user's time zone (UTC if the name is unknown to this machine)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_time(moment: datetime | None, timezone: tzinfo) -> str:
    """A moment as the reader's wall-clock time, e.g. 2025-01-31 20:05 ("" for None)."""
    return "" if moment is None else moment.astimezone(timezone).strftime("%Y-%m-%d %H:%M")


def percent(value: float | None) -> str:
    """A ratio as a percentage with sensible precision ("—" when it is undefined)."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if value < 0.1 else f"{value * 100:.0f}%"


def named(names: dict[str, str], key: str) -> str:
    """A translated name of a kind or status, or the key itself for one the labels lack."""
    return names.get(key, key)


def chart_labels(services: Services, language: str, timezone: tzinfo) -> charts.ChartLabels:
    """Every chart word in `language`, from templates/messages/report/labels.j2."""
    label = services.texts.labels(language, "report")
    return charts.ChartLabels(
        funnel_title=label["chart_funnel"],
        timeline_title=label["chart_timeline"],
        audience=label["chart_audience"],
        delivered=label["chart_delivered"],
        clicks=label["chart_clicks"],
        all_clicks=label["chart_all_clicks"],
        orders=label["chart_orders"],
        sends=label["chart_sends"],
        of_previous=label["chart_of_previous"],
        time_axis=label["chart_time_axis"].format(zone=str(timezone)),
        no_data=label["chart_no_data"],
    )


def kind_names(services: Services, language: str) -> dict[str, str]:
    """Campaign kinds by key, translated."""
    label = services.texts.labels(language, "report")
    return {key[5:]: text for key, text in label.items() if key.startswith("kind_")}


def status_names(services: Services, language: str) -> dict[str, str]:
    """Campaign statuses by key, translated."""
    label = services.texts.labels(language, "report")
    return {key[7:]: text for key, text in label.items() if key.startswith("status_")}


@dataclass(frozen=True)
class CampaignView:
    """A campaign's report ready to send: caption(s) and two PNG charts."""

    report: CampaignReport
    summary: str  # Telegram HTML
    summary_fits_caption: bool
    short_caption: str
    funnel_png: bytes
    timeline_png: bytes


async def campaign_view(
    services: Services, report: CampaignReport, language: str, timezone: tzinfo
) -> CampaignView:
    """Render the summary and draw both charts in worker threads (never on the event loop)."""
    kind = named(kind_names(services, language), report.kind)
    status = named(status_names(services, language), report.status)
    values = {
        "r": report,
        "kind": kind,
        "status": status,
        "started": local_time(report.started_at or report.created_at, timezone),
        "ctr": percent(report.ctr),
        "conversion": percent(report.conversion),
        "delivery_rate": percent(report.delivery_rate),
    }
    summary = services.texts.render("report/campaign", language, **values)
    try:
        services.texts.render("report/campaign", language, caption=True, **values)
        fits = True
    except MessageTooLong:
        fits = False
    short = services.texts.render("report/campaign_short", language, caption=True, **values)
    labels = chart_labels(services, language, timezone)
    subtitle = services.texts.label(
        language,
        "report.chart_subtitle",
        id=report.campaign_id,
        kind=kind,
        started=values["started"],
    )
    funnel, timeline = await asyncio.gather(
        asyncio.to_thread(
            charts.render_funnel,
            labels,
            subtitle,
            report.audience,
            report.delivered,
            report.unique_clicks,
            report.orders,
        ),
        asyncio.to_thread(
            charts.render_timeline,
            labels,
            subtitle,
            report.timeline,
            report.interval_seconds,
            timezone,
        ),
    )
    return CampaignView(report, summary, fits, short, funnel, timeline)


def overview_text(
    services: Services, overview: ExpertOverview, language: str, timezone: tzinfo, handle: str
) -> str:
    """The /stats overview: followers, the three windows and recent campaigns."""
    kinds, statuses = kind_names(services, language), status_names(services, language)
    campaigns = [
        {
            "id": c.campaign_id,
            "kind": named(kinds, c.kind),
            "status": named(statuses, c.status),
            "started": local_time(c.started_at or c.created_at, timezone),
            "audience": c.audience,
            "sent": c.sent,
            "clicks": c.clicks,
        }
        for c in overview.campaigns
    ]
    windows = [{"w": w, "conversion": percent(w.conversion)} for w in overview.windows]
    return services.texts.render(
        "report/overview",
        language,
        handle=handle,
        followers=overview.followers,
        windows=windows,
        campaigns=campaigns,
    )


def day_start(now: datetime, timezone: tzinfo) -> datetime:
    """Midnight of `now`'s day in `timezone`, as an aware datetime."""
    local = now.astimezone(timezone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
