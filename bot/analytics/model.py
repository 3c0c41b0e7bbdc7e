"""Report numbers as plain data: derived ratios and the sums that must agree (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta

# Every outbox status, in the order a message moves through them; together they partition a
# campaign's audience, which is what `CampaignReport.check_consistency` proves.
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "blocked", "dropped", "digest")
ORDER_STATUSES = ("paid", "refunded", "cancelled")
OVERVIEW_WINDOWS_DAYS = (1, 7, 30)
# Timeline intervals to choose from, shortest first: a chart reads well with at most ~48 bars.
TIMELINE_INTERVALS_SECONDS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400)
MAX_TIMELINE_BUCKETS = 48


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when nothing could have happened (whole is 0)."""
    return None if whole <= 0 else part / whole


@dataclass(frozen=True)
class TimelineBucket:
    """What happened in one interval of a campaign: messages sent, clicks, orders."""

    start: datetime
    sends: int = 0
    clicks: int = 0
    orders: int = 0


@dataclass(frozen=True)
class CampaignReport:
    """One campaign's funnel and money, all counted from the outbox, clicks, events and orders."""

    campaign_id: int
    expert_id: int
    kind: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # The outbox: one row per fan the campaign addressed, partitioned by status.
    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    dropped: int = 0
    digest: int = 0
    audience: int = 0
    # What fans did (from clicks and events with this campaign id).
    clicks: int = 0
    unique_clicks: int = 0
    favourites: int = 0
    cart_adds: int = 0
    card_opens: int = 0
    new_followers: int = 0
    # Orders attributed to the campaign, partitioned by status; money in fen.
    orders: int = 0
    paid_orders: int = 0
    refunded_orders: int = 0
    cancelled_orders: int = 0
    gross_fen: int = 0  # paid at some point: paid + refunded orders
    refunded_fen: int = 0
    paid_fen: int = 0  # orders still paid now
    commission_fen: int = 0  # non-cancelled commission rows, negative adjustments included
    timeline: tuple[TimelineBucket, ...] = ()
    interval_seconds: int = 3600

    @property
    def delivered(self) -> int:
        """Telegram accepted the message (Telegram says nothing about reads)."""
        return self.sent

    @property
    def pending(self) -> int:
        """Messages still on their way: queued, in flight, or held for a digest."""
        return self.queued + self.sending + self.digest

    @property
    def gmv_fen(self) -> int:
        """Gross merchandise value: what was paid minus what was refunded."""
        return self.gross_fen - self.refunded_fen

    @property
    def ctr(self) -> float | None:
        """Unique clicks per delivered message."""
        return ratio(self.unique_clicks, self.delivered)

    @property
    def conversion(self) -> float | None:
        """Orders per unique click."""
        return ratio(self.orders, self.unique_clicks)

    @property
    def delivery_rate(self) -> float | None:
        """Delivered messages per addressed fan."""
        return ratio(self.delivered, self.audience)

    def check_consistency(self) -> list[str]:
        """Every sum that must hold between the numbers; an empty list means all hold."""
        problems: list[str] = []
        statuses = sum(getattr(self, status) for status in OUTBOX_STATUSES)
        if statuses != self.audience:
            problems.append(f"outbox statuses sum to {statuses}, audience is {self.audience}")
        by_status = self.paid_orders + self.refunded_orders + self.cancelled_orders
        if by_status != self.orders:
            problems.append(f"orders by status sum to {by_status}, orders are {self.orders}")
        if self.gmv_fen != self.paid_fen:
            problems.append(f"GMV {self.gmv_fen} differs from still-paid amount {self.paid_fen}")
        if self.unique_clicks > self.clicks:
            problems.append(f"unique clicks {self.unique_clicks} exceed clicks {self.clicks}")
        if self.timeline:
            sends = sum(b.sends for b in self.timeline)
            clicks = sum(b.clicks for b in self.timeline)
            orders = sum(b.orders for b in self.timeline)
            if sends != self.sent:
                problems.append(f"timeline sends {sends} differ from sent {self.sent}")
            if clicks != self.clicks:
                problems.append(f"timeline clicks {clicks} differ from clicks {self.clicks}")
            if orders != self.orders:
                problems.append(f"timeline orders {orders} differ from orders {self.orders}")
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, int) and spec.name not in ("commission_fen",) and value < 0:
                problems.append(f"{spec.name} is negative ({value})")
        return problems


@dataclass(frozen=True)
class WindowTotals:
    """An expert's numbers over the last `days` days."""

    days: int
    followers_gained: int = 0
    followers_lost: int = 0
    clicks: int = 0
    orders: int = 0
    gmv_fen: int = 0
    commission_fen: int = 0

    @property
    def follower_growth(self) -> int:
        """Net change in followers over the window."""
        return self.followers_gained - self.followers_lost

    @property
    def conversion(self) -> float | None:
        """Orders per click."""
        return ratio(self.orders, self.clicks)


@dataclass(frozen=True)
class CampaignSummary:
    """One line of an expert's campaign list."""

    campaign_id: int
    kind: str
    status: str
    created_at: datetime
    started_at: datetime | None
    audience: int
    sent: int
    clicks: int


@dataclass(frozen=True)
class ExpertOverview:
    """An expert's dashboard: followers now and totals per window (1, 7 and 30 days)."""

    expert_id: int
    followers: int
    windows: tuple[WindowTotals, ...]
    campaigns: tuple[CampaignSummary, ...] = ()

    def window(self, days: int) -> WindowTotals:
        """The totals of the window of `days` days."""
        for totals in self.windows:
            if totals.days == days:
                return totals
        raise KeyError(days)


@dataclass(frozen=True)
class TopExpert:
    """An expert on the platform leaderboard (admins only)."""

    expert_id: int
    handle: str
    display_name: str
    clicks: int
    orders: int
    gmv_fen: int


@dataclass(frozen=True)
class PlatformTotals:
    """What admins see in /platform."""

    fans: int
    experts: int
    merchants: int
    items: int
    campaigns_today: int
    clicks_today: int
    orders_today: int
    gmv_today_fen: int
    clicks: int
    orders: int
    gmv_fen: int
    top_experts: tuple[TopExpert, ...] = field(default=())


def choose_interval(start: datetime, end: datetime) -> int:
    """The shortest timeline interval that draws the span from `start` to `end` in few bars."""
    span = max((end - start).total_seconds(), 1.0)
    for seconds in TIMELINE_INTERVALS_SECONDS:
        if span / seconds <= MAX_TIMELINE_BUCKETS:
            return seconds
    return TIMELINE_INTERVALS_SECONDS[-1]


def fill_timeline(
    buckets: dict[int, tuple[int, int, int]], interval_seconds: int
) -> tuple[TimelineBucket, ...]:
    """Buckets keyed by interval number -> consecutive TimelineBuckets, empty intervals included."""
    if not buckets:
        return ()
    first, last = min(buckets), max(buckets)
    # A stray old row must not make thousands of empty bars: then keep only the busy intervals.
    sparse = last - first > 10 * MAX_TIMELINE_BUCKETS
    keys = sorted(buckets) if sparse else list(range(first, last + 1))
    return tuple(
        TimelineBucket(
            datetime.fromtimestamp(key * interval_seconds, UTC),
            *buckets.get(key, (0, 0, 0)),
        )
        for key in keys
    )


def since(now: datetime, days: int) -> datetime:
    """The start of a window of `days` days ending now."""
    return now - timedelta(days=days)


_ERROR_CLASSES = (
    ("blocked", "blocked"),
    ("deactivated", "deactivated"),
    ("forbidden", "forbidden"),
    ("chat not found", "chat_not_found"),
    ("too many requests", "rate_limited"),
    ("retry", "rate_limited"),
    ("timed out", "timeout"),
    ("timeout", "timeout"),
    ("network", "network"),
    ("bad request", "bad_request"),
    ("cancel", "cancelled"),
    ("digest", "digest"),
)


def error_class(status: str, error: str | None) -> str:
    """A short, identity-free class of a delivery error for exports ("" when there was none)."""
    if not error:
        return "blocked" if status == "blocked" else ""
    lowered = error.lower()
    for needle, name in _ERROR_CLASSES:
        if needle in lowered:
            return name
    return "other"
