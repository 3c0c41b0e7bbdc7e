"""The rules of campaigns, as pure functions: kinds, the status moves, the wizard's choices, timing.

Nothing here reads the database or speaks to Telegram: bot/campaigns/service.py applies these
rules inside its units of work, and the tests check them directly.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Literal

from bot.domain.errors import DomainError
from bot.domain.push_rules import wall_to_utc, zone_of
from bot.domain.states import CampaignKind, CampaignStatus
from bot.domain.verticals import tags_of_vertical

Kind = CampaignKind
Status = CampaignStatus

KINDS: tuple[CampaignKind, ...] = tuple(CampaignKind)  # in the order the wizard offers them
# Kinds that reach fans who don't follow the expert yet (only those who agreed to discovery).
DISCOVERY_KINDS = frozenset({Kind.PASSERBY, Kind.ACCOUNT})
# Kinds whose only effect is the push: when it reaches nobody, nothing happened at all, so the
# campaign gives its daily slot back. Headline, pre-sale and account recommendation still pin,
# open or promote without anyone being pushed.
PUSH_ONLY_KINDS = frozenset({Kind.PUSH, Kind.PASSERBY, Kind.AUTO})
SINGLE_ITEM_KINDS = frozenset({Kind.HEADLINE, Kind.PRESALE})  # one item leads: pinned or opened
ITEMLESS_KINDS = frozenset({Kind.ACCOUNT})  # recommends the expert, not items
PUSH_OPTIONAL_KINDS = frozenset({Kind.HEADLINE, Kind.ACCOUNT})  # may pin or promote, no push

AudienceMode = Literal["all", "tags", "none"]  # everyone of the audience, a tag segment, no push
ScheduleChoice = Literal["now", "at", "daily", "weekly"]

MAX_ITEMS = 3
OFFERED_TAGS = 12  # interest tags the wizard offers at most
HEADLINE_HOURS = 24
ACCOUNT_RECOMMENDATION_DAYS = 7
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The same days as a Chinese reader types them: 周五, 星期五, 礼拜五 (日 and 天 both for Sunday).
CHINESE_WEEKDAYS = "一二三四五六日"


def weekday_index(word: str) -> int | None:
    """Monday=0 … Sunday=6 for "fri", "friday", "周五" or "星期五"; None for anything else."""
    if word[:3] in WEEKDAYS:  # "fri", "friday" (and, as ever, anything starting so)
        return WEEKDAYS.index(word[:3])
    for prefix in ("星期", "礼拜", "周"):
        if word.startswith(prefix) and len(word) == len(prefix) + 1:
            day = word[-1].replace("天", "日")
            return CHINESE_WEEKDAYS.index(day) if day in CHINESE_WEEKDAYS else None
    return None


# Campaigns that use one of the expert's campaigns for their day (the flood rule).
COUNTED_STATUSES = frozenset({Status.SCHEDULED, Status.RUNNING, Status.PAUSED, Status.DONE})
# Campaigns that may still put messages in the outbox.
LIVE_STATUSES = frozenset({Status.SCHEDULED, Status.RUNNING, Status.PAUSED})
PAUSABLE = frozenset({Status.RUNNING, Status.SCHEDULED})
RESUMABLE = frozenset({Status.PAUSED})
CANCELLABLE = LIVE_STATUSES
FIREABLE = frozenset({Status.SCHEDULED})  # a run starts only from 'scheduled', so once


class CampaignAction(StrEnum):
    """What an expert may do to one of their campaigns from /campaigns."""

    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


_MOVES = {
    CampaignAction.PAUSE: PAUSABLE,
    CampaignAction.RESUME: RESUMABLE,
    CampaignAction.CANCEL: CANCELLABLE,
}


def allowed_actions(status: CampaignStatus) -> tuple[CampaignAction, ...]:
    """The actions a campaign in `status` allows, in the order its buttons are shown."""
    return tuple(action for action, sources in _MOVES.items() if status in sources)


def resumed_status(started: bool) -> CampaignStatus:
    """Where a paused campaign goes back to: sending if its run had started, else scheduled."""
    return Status.RUNNING if started else Status.SCHEDULED


def campaign_kind(value: str) -> CampaignKind:
    """The kind named `value`; DomainError("campaign.bad_kind") for anything else."""
    try:
        return CampaignKind(value)
    except ValueError:
        raise DomainError("campaign.bad_kind", kind=str(value)[:24]) from None


def toggle_item(chosen: tuple[int, ...], item_id: int, kind: CampaignKind) -> tuple[int, ...]:
    """The chosen items with `item_id` taken out, or added while the kind has room for it.

    Up to MAX_ITEMS items; a headline or a pre-sale has exactly one (the one pinned or opened).
    """
    if item_id in chosen:
        return tuple(i for i in chosen if i != item_id)
    if len(chosen) >= MAX_ITEMS or (chosen and kind in SINGLE_ITEM_KINDS):
        return chosen
    return (*chosen, item_id)


def toggle_tag(chosen: tuple[str, ...], tag: str, offered: tuple[str, ...]) -> tuple[str, ...]:
    """The chosen tags with `tag` taken out or added; DomainError("campaign.stale") if not offered."""
    if tag not in offered:
        raise DomainError("campaign.stale")
    if tag in chosen:
        return tuple(t for t in chosen if t != tag)
    return (*chosen, tag)


def expert_tags(vertical: str, own: tuple[str, ...]) -> tuple[str, ...]:
    """The expert's vertical's interest tags, then their own ability tags, each once."""
    return tuple(dict.fromkeys((*tags_of_vertical(vertical), *own)))


def offered_tags(vertical: str, own: tuple[str, ...]) -> tuple[str, ...]:
    """The interest tags the wizard offers an expert to build a segment from."""
    return expert_tags(vertical, own)[:OFFERED_TAGS]


def audience_modes(kind: CampaignKind) -> tuple[AudienceMode, ...]:
    """Whom the campaign can reach: everyone, a tag segment, or (headline, account) nobody."""
    return ("all", "tags", "none") if kind in PUSH_OPTIONAL_KINDS else ("all", "tags")


def schedule_options(kind: CampaignKind) -> tuple[ScheduleChoice, ...]:
    """How the campaign can be timed; a pre-sale has none to choose (its opening is asked)."""
    if kind == Kind.PRESALE:
        return ()
    if kind == Kind.AUTO:
        return ("daily", "weekly")
    return ("now", "at")


def campaign_end(
    kind: CampaignKind, starts_at: datetime, opens_at: datetime | None
) -> datetime | None:
    """When a campaign of `kind` ends: an account recommendation after a week, a pre-sale when
    the item opens (DomainError("campaign.presale_time") unless after the start), else never."""
    if kind == Kind.ACCOUNT:
        return starts_at + timedelta(days=ACCOUNT_RECOMMENDATION_DAYS)
    if kind == Kind.PRESALE:
        if opens_at is None or opens_at <= starts_at:
            raise DomainError("campaign.presale_time")
        return opens_at
    return None


def dedup_prefix(campaign_id: int, recurrence: str | None, now: datetime) -> str:
    """ "c<id>:u" for one-off campaigns; recurring runs add the run's date so each run reaches fans."""
    if recurrence:
        return f"c{campaign_id}:{now:%Y%m%d}:u"
    return f"c{campaign_id}:u"


def run_key(starts_at: datetime | None) -> str:
    """The unique key of one run of a campaign: the time it was scheduled for ("now": 0).

    A recurring campaign is scheduled again at its next occurrence after each run, so each of
    its runs has its own key; two processes firing the same run have the same one.
    """
    return f"at{int(starts_at.timestamp()) if starts_at else 0}"


def next_occurrence(recurrence: str, tz: str, after: datetime) -> datetime:
    """The first instant strictly after `after` matching a recurrence in the expert's zone."""
    parts = recurrence.split()
    hour, minute = (int(x) for x in parts[-1].split(":"))
    zone = zone_of(tz)
    day = after.astimezone(zone).date()
    for offset in range(0, 9):
        candidate_day = day + timedelta(days=offset)
        if parts[0] == "weekly" and candidate_day.weekday() != int(parts[1]):
            continue
        moment = wall_to_utc(candidate_day, time(hour, minute), zone)
        if moment > after:
            return moment
    raise ValueError(f"no occurrence of {recurrence!r}")


def parse_schedule(text: str, mode: str, tz: str, now: datetime) -> tuple[datetime, str | None]:
    """(first start, recurrence) from what the expert typed, in their time zone.

    mode "at": "HH:MM" (the next such time) or "YYYY-MM-DD HH:MM"; "daily": "HH:MM";
    "weekly": "<mon..sun or 周一..周日> HH:MM". DomainError("campaign.bad_time") otherwise or if in the past.
    """
    words = text.strip().lower().split()
    bad = DomainError("campaign.bad_time", text=text[:40])
    clock = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", words[-1]) if words else None
    if clock is None:
        raise bad
    hhmm = f"{int(clock.group(1)):02d}:{clock.group(2)}"
    zone = zone_of(tz)
    if mode == "daily" and len(words) == 1:
        recurrence = f"daily {hhmm}"
        return next_occurrence(recurrence, tz, now), recurrence
    weekday = weekday_index(words[0]) if len(words) == 2 else None
    if mode == "weekly" and weekday is not None:
        recurrence = f"weekly {weekday} {hhmm}"
        return next_occurrence(recurrence, tz, now), recurrence
    if mode == "at" and len(words) == 1:
        return next_occurrence(f"daily {hhmm}", tz, now), None
    if mode == "at" and len(words) == 2:
        try:
            day = datetime.strptime(words[0], "%Y-%m-%d").date()
        except ValueError:
            raise bad from None
        moment = wall_to_utc(day, time(int(clock.group(1)), int(clock.group(2))), zone)
        if moment <= now:
            raise DomainError("campaign.time_passed", text=text[:40])
        return moment, None
    raise bad
