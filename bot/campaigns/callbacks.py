"""Callback kinds of the /campaign conversation, registered with the one codec (bot/domain/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from bot.domain.callbacks import callback
from bot.domain.campaigns import AudienceMode, ScheduleChoice
from bot.domain.states import CampaignKind

# The kinds as the wire spells them: exactly CampaignKind's values (tests/unit/test_campaign_rules).
KindName = Literal["push", "headline", "passerby", "account", "presale", "auto"]


def kind_name(kind: CampaignKind) -> KindName:
    """The wire spelling of a kind (a StrEnum member is its value)."""
    return cast(KindName, kind.value)


@callback("cwk")
@dataclass(frozen=True)
class WizardKind:
    """Pick the campaign kind."""

    kind: KindName


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

    mode: AudienceMode


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

    when: ScheduleChoice


@callback("cwok")
@dataclass(frozen=True)
class WizardConfirm:
    """Confirm the previewed campaign."""


@callback("cwx")
@dataclass(frozen=True)
class WizardAbort:
    """Abandon the campaign being prepared."""
