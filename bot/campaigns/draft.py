"""The draft of the /campaign wizard: what the expert chose so far, kept in their flow position.

The flow (handlers/flows.py) stores it as JSON in the database, so a restart or another process
picks the wizard up where the expert was; `from_data` reads it defensively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.campaigns.service import Draft
from bot.domain.errors import DomainError
from bot.domain.states import CampaignKind


class WizardStep(StrEnum):
    """The steps of the wizard, as the flow stores them."""

    KIND = "kind"
    ITEMS = "items"
    AUDIENCE = "audience"
    TAGS = "tags"
    SCHEDULE = "schedule"
    TIME = "time"
    PREVIEW = "preview"


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def _stamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


@dataclass(frozen=True)
class WizardDraft:
    """What the wizard has collected so far."""

    kind: CampaignKind | None = None
    item_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    push: bool = True
    when: str | None = None  # now | at | daily | weekly | opens (a pre-sale's opening time)
    starts_at: datetime | None = None
    recurrence: str | None = None
    opens_at: datetime | None = None

    def to_data(self) -> dict[str, Any]:
        """The draft as the flow keeps it (JSON)."""
        return {
            "kind": None if self.kind is None else str(self.kind),
            "items": list(self.item_ids),
            "tags": list(self.tags),
            "push": self.push,
            "when": self.when,
            "starts_at": _stamp(self.starts_at),
            "recurrence": self.recurrence,
            "opens_at": _stamp(self.opens_at),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WizardDraft:
        """The draft the flow kept; DomainError("campaign.draft_lost") if it cannot be read."""
        try:
            kind = data.get("kind")
            return cls(
                kind=None if kind is None else CampaignKind(kind),
                item_ids=tuple(int(i) for i in data.get("items") or ()),
                tags=tuple(str(t) for t in data.get("tags") or ()),
                push=bool(data.get("push", True)),
                when=None if data.get("when") is None else str(data["when"]),
                starts_at=_instant(data.get("starts_at")),
                recurrence=None if data.get("recurrence") is None else str(data["recurrence"]),
                opens_at=_instant(data.get("opens_at")),
            )
        except (TypeError, ValueError, OverflowError):
            raise DomainError("campaign.draft_lost") from None

    def ready(self) -> Draft:
        """The complete campaign to preview or store; DomainError("campaign.draft_lost") if not."""
        if self.kind is None or self.starts_at is None:
            raise DomainError("campaign.draft_lost")
        return Draft(
            kind=self.kind,
            item_ids=self.item_ids,
            tags=self.tags,
            push=self.push,
            starts_at=self.starts_at,
            recurrence=self.recurrence,
            opens_at=self.opens_at,
        )

    def chosen_kind(self) -> CampaignKind:
        """The kind chosen at the first step; DomainError("campaign.draft_lost") before it."""
        if self.kind is None:
            raise DomainError("campaign.draft_lost")
        return self.kind
