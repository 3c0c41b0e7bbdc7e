"""Times as a reader sees them: stored in UTC, shown in the reader's own time zone."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import DomainError
from bot.domain.push_rules import zone_of

MINUTE = "%Y-%m-%d %H:%M"


def local_text(moment: datetime, tz: str, fmt: str = MINUTE) -> str:
    """`moment` (aware) on the wall clock of zone `tz`, formatted; an unknown zone reads as UTC.

    A reader's zone comes from their settings and is checked there; an unknown one here must not
    keep a ranking or a card from showing, so it falls back to UTC and says so.
    """
    try:
        return moment.astimezone(zone_of(tz)).strftime(fmt)
    except DomainError:  # a zone that no longer exists
        return moment.strftime(fmt) + " UTC"
