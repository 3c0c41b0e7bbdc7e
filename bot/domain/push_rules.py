"""When and whether a push reaches a fan, and how many campaigns an expert may run a day.

These rules are mirrored by the SQL fan-out planner, so they are stated exactly here:

1. Quiet hours are the half-open wall-clock interval ``[quiet_start, quiet_end)`` in the fan's
   time zone; when ``quiet_start > quiet_end`` it wraps midnight (22:00-08:00 covers 23:30 and
   07:59, not 08:00); ``quiet_start == quiet_end`` means no quiet hours.
2. A push planned in quiet hours is deferred to the end of that quiet period: the next local
   occurrence of ``quiet_end`` after the push (the same local day, or the next one when the
   push falls after ``quiet_start`` in a wrapping window). A wall time skipped by a DST jump
   resolves to the instant the clocks jump; a wall time that occurs twice resolves to its
   first occurrence after the push.
3. `plan_delivery` checks, in this order: mode "off" -> skip "off"; expert muted -> skip
   "muted"; a discovery push without the fan's consent -> skip "no_consent"; a non-discovery
   push to a non-follower -> skip "not_follower"; mode "digest" -> into the next digest
   (no cap, no quiet hours: the digest is one message at the hour the fan chose); cap reached
   -> skip "cap_reached"; quiet hours -> defer; else send now.
4. The daily cap counts instant pushes (sent or scheduled) whose send time falls on the fan's
   local calendar day that contains *this* push's send time (`cap_day_bounds`), so a push
   deferred from 23:00 to 08:00 counts toward the next day.
5. The digest goes out at ``digest_hour:00`` fan-local time, the first such instant strictly
   after the push.
6. Expert campaigns per day count campaigns started on the expert's local calendar day; the
   quota resets at the expert's next local midnight.

All instants in and out are timezone-aware; results are in UTC.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import DomainError

PushMode = Literal["instant", "digest", "off"]
SkipReason = Literal["off", "muted", "no_consent", "not_follower", "cap_reached"]
PUSH_MODES: tuple[PushMode, ...] = ("instant", "digest", "off")
DEFAULT_TZ = "Asia/Shanghai"
MAX_DAILY_CAP = 20
_QUIET_VALUE = re.compile(r"([01][0-9]|2[0-3])([0-5][0-9])-([01][0-9]|2[0-3])([0-5][0-9])")


@functools.lru_cache(maxsize=512)
def zone_of(tz: str) -> ZoneInfo:
    """The IANA zone named `tz`; DomainError("push.bad_timezone") if there is none."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise DomainError("push.bad_timezone", tz=tz) from None


def _require_aware(moment: datetime) -> None:
    """Refuse naive datetimes: they would silently be read in the server's zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes passed to push rules must be timezone-aware")


@dataclass(frozen=True)
class FanPushSettings:
    """A fan's push preferences, validated on construction."""

    mode: PushMode = "instant"
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    tz: str = DEFAULT_TZ
    daily_cap: int = 3
    digest_hour: int = 20
    muted_expert_ids: frozenset[int] = field(default_factory=frozenset)
    discovery_consent: bool = False

    def __post_init__(self) -> None:
        """Refuse settings the rules cannot apply, with a DomainError("push.*")."""
        if self.mode not in PUSH_MODES:
            raise DomainError("push.bad_mode", mode=self.mode)
        zone_of(self.tz)
        if self.quiet_start.tzinfo is not None or self.quiet_end.tzinfo is not None:
            raise DomainError("push.bad_quiet_hours")
        if not 0 <= self.daily_cap <= MAX_DAILY_CAP:
            raise DomainError("push.bad_cap", cap=self.daily_cap, max=MAX_DAILY_CAP)
        if not 0 <= self.digest_hour <= 23:
            raise DomainError("push.bad_digest_hour", hour=self.digest_hour)
        if not isinstance(self.muted_expert_ids, frozenset):
            object.__setattr__(self, "muted_expert_ids", frozenset(self.muted_expert_ids))

    @property
    def has_quiet_hours(self) -> bool:
        """Whether any time of day is quiet."""
        return self.quiet_start != self.quiet_end


@dataclass(frozen=True)
class Plan:
    """What to do with one push for one fan.

    `when` is a UTC instant: the send time for "send_now" (the planning instant), "defer"
    (end of quiet hours) and "digest" (the digest the push joins); None for "skip".
    """

    action: Literal["send_now", "defer", "digest", "skip"]
    when: datetime | None = None
    reason: SkipReason | None = None


@dataclass(frozen=True)
class QuotaResult:
    """Whether an expert may start another campaign today, and when the count resets (UTC)."""

    allowed: bool
    used: int
    limit: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        """Campaigns still allowed today."""
        return max(self.limit - self.used, 0)

    def require(self) -> None:
        """Raise DomainError("campaign.daily_limit") if the quota is used up."""
        if not self.allowed:
            raise DomainError("campaign.daily_limit", limit=self.limit, resets_at=self.resets_at)


def _gap_end(earlier: datetime, later: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant in (earlier, later] where the zone's offset switches (a DST jump)."""
    target = later.astimezone(zone).utcoffset()
    lo, hi = earlier, later
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def wall_to_utc(
    day: date, wall: time, zone: ZoneInfo, *, after: datetime | None = None
) -> datetime:
    """The UTC instant of wall time `wall` on local `day`, resolving DST as the module says.

    A skipped wall time gives the instant the clocks jump; a repeated one gives its first
    occurrence (its first occurrence strictly after `after`, when that is given and possible).
    """
    naive = datetime.combine(day, wall)
    readings = [naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    existing = sorted(
        {utc for utc in readings if utc.astimezone(zone).replace(tzinfo=None) == naive}
    )
    if not existing:
        return _gap_end(min(readings), max(readings), zone)
    if after is not None:
        later = [utc for utc in existing if utc > after]
        if later:
            return later[0]
    return existing[0]


def in_quiet_hours(settings: FanPushSettings, at_utc: datetime) -> bool:
    """Whether `at_utc` falls in the fan's quiet hours (rule 1)."""
    _require_aware(at_utc)
    if not settings.has_quiet_hours:
        return False
    wall = at_utc.astimezone(zone_of(settings.tz)).time()
    start, end = settings.quiet_start, settings.quiet_end
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def next_send_time(settings: FanPushSettings, at_utc: datetime) -> datetime:
    """`at_utc` (in UTC) outside quiet hours, else the instant the quiet period ends (rule 2)."""
    if not in_quiet_hours(settings, at_utc):
        return at_utc.astimezone(UTC)
    zone = zone_of(settings.tz)
    local = at_utc.astimezone(zone)
    day = local.date()
    if settings.quiet_start > settings.quiet_end and local.time() >= settings.quiet_start:
        day += timedelta(days=1)
    return wall_to_utc(day, settings.quiet_end, zone, after=at_utc)


def fan_day_bounds(tz: str, at_utc: datetime) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local calendar day in `tz` containing `at_utc`."""
    _require_aware(at_utc)
    zone = zone_of(tz)
    day = at_utc.astimezone(zone).date()
    start = wall_to_utc(day, time(0), zone)
    end = wall_to_utc(day + timedelta(days=1), time(0), zone)
    return start, end


def cap_day_bounds(settings: FanPushSettings, at_utc: datetime) -> tuple[datetime, datetime]:
    """The UTC bounds of the fan-local day a push planned at `at_utc` counts toward (rule 4)."""
    return fan_day_bounds(settings.tz, next_send_time(settings, at_utc))


def next_digest_time(settings: FanPushSettings, at_utc: datetime) -> datetime:
    """The first fan-local ``digest_hour:00`` strictly after `at_utc`, in UTC (rule 5)."""
    _require_aware(at_utc)
    zone = zone_of(settings.tz)
    day = at_utc.astimezone(zone).date()
    digest_at = time(settings.digest_hour)
    when = wall_to_utc(day, digest_at, zone, after=at_utc)
    if when <= at_utc:
        when = wall_to_utc(day + timedelta(days=1), digest_at, zone, after=at_utc)
    return when


def plan_delivery(
    settings: FanPushSettings,
    *,
    expert_id: int,
    sent_today: int,
    at_utc: datetime,
    is_follower: bool,
    is_discovery: bool,
) -> Plan:
    """Decide what to do with one push to one fan (rule 3).

    `sent_today` counts the fan's instant pushes sent or scheduled within
    `cap_day_bounds(settings, at_utc)` (rule 4).
    """
    _require_aware(at_utc)
    if settings.mode == "off":
        return Plan("skip", reason="off")
    if expert_id in settings.muted_expert_ids:
        return Plan("skip", reason="muted")
    if is_discovery and not settings.discovery_consent:
        return Plan("skip", reason="no_consent")
    if not is_discovery and not is_follower:
        return Plan("skip", reason="not_follower")
    if settings.mode == "digest":
        return Plan("digest", when=next_digest_time(settings, at_utc))
    if sent_today >= settings.daily_cap:
        return Plan("skip", reason="cap_reached")
    if in_quiet_hours(settings, at_utc):
        return Plan("defer", when=next_send_time(settings, at_utc))
    return Plan("send_now", when=at_utc.astimezone(UTC))


def expert_campaign_quota(
    campaigns_today: int, limit: int, tz: str, at_utc: datetime
) -> QuotaResult:
    """Whether an expert who started `campaigns_today` campaigns today may start one more.

    "Today" is the expert's local calendar day in `tz`; `resets_at` is its end (rule 6).
    """
    if limit < 0 or campaigns_today < 0:
        raise ValueError("counts and limits cannot be negative")
    _, resets_at = fan_day_bounds(tz, at_utc)
    return QuotaResult(
        allowed=campaigns_today < limit, used=campaigns_today, limit=limit, resets_at=resets_at
    )


def format_quiet_hours(settings: FanPushSettings) -> str:
    """The quiet hours as a setting value: ``"HHMM-HHMM"``, or ``"none"``."""
    if not settings.has_quiet_hours:
        return "none"
    return f"{settings.quiet_start:%H%M}-{settings.quiet_end:%H%M}"


def apply_push_setting(settings: FanPushSettings, setting: str, value: str) -> FanPushSettings:
    """Return `settings` with one push setting changed from its button value.

    Values: mode ``instant|digest|off``; quiet ``HHMM-HHMM`` or ``none``; cap ``1``..``20``;
    digest hour ``0``..``23``; consent ``0|1``. Anything else raises
    DomainError("settings.bad_value") (or "settings.unknown" for another setting name).
    """
    bad = DomainError("settings.bad_value", setting=setting, value=value)
    if setting == "mode":
        if value not in PUSH_MODES:
            raise bad
        return replace(settings, mode=value)
    if setting == "quiet":
        if value == "none":
            return replace(settings, quiet_start=time(0), quiet_end=time(0))
        match = _QUIET_VALUE.fullmatch(value)
        if match is None:
            raise bad
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        return replace(settings, quiet_start=time(h1, m1), quiet_end=time(h2, m2))
    if setting in ("cap", "digest"):
        if not re.fullmatch(r"0|[1-9][0-9]?", value):
            raise bad
        number = int(value)
        if setting == "cap":
            if not 1 <= number <= MAX_DAILY_CAP:
                raise bad
            return replace(settings, daily_cap=number)
        if number > 23:
            raise bad
        return replace(settings, digest_hour=number)
    if setting == "consent":
        if value not in ("0", "1"):
            raise bad
        return replace(settings, discovery_consent=value == "1")
    raise DomainError("settings.unknown", setting=setting)
