"""Callback kinds of the /campaign conversation, registered with the one codec (bot/domain/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.callbacks import callback

CampaignKind = Literal["push", "headline", "passerby", "account", "presale", "auto"]


@callback("cwk")
@dataclass(frozen=True)
class WizardKind:
    """Pick the campaign kind."""

    kind: CampaignKind


@callback("cwi")
@dataclass(frozen=True)
class WizardItemToggle:
    """Add an item of the expert's window to the campaign, or take it out."""

    item_id: int


@callback("cwid")
@dataclass(frozen=True)
class WizardItemsDone:
    """The items are chosen."""


@callback("cwa")
@dataclass(frozen=True)
class WizardAudience:
    """All followers, chosen interest tags, or no push at all (headline, account)."""

    mode: Literal["all", "tags", "none"]


@callback("cwt")
@dataclass(frozen=True)
class WizardTagToggle:
    """Add an interest tag to the segment, or take it out."""

    tag: str


@callback("cwtd")
@dataclass(frozen=True)
class WizardTagsDone:
    """The segment's tags are chosen."""


@callback("cws")
@dataclass(frozen=True)
class WizardSchedule:
    """Send now, at a time, or on a daily/weekly schedule."""

    when: Literal["now", "at", "daily", "weekly"]


@callback("cwok")
@dataclass(frozen=True)
class WizardConfirm:
    """Confirm the previewed campaign."""


@callback("cwx")
@dataclass(frozen=True)
class WizardAbort:
    """Abandon the campaign being prepared."""
