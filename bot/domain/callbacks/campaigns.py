"""The callback kinds of an expert's campaign management buttons: pause, resume, cancel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.callbacks.codec import callback


@callback("cpau")
@dataclass(frozen=True)
class CampaignPause:
    """Pause a campaign."""

    campaign_id: int


@callback("cres")
@dataclass(frozen=True)
class CampaignResume:
    """Resume a paused campaign."""

    campaign_id: int


@callback("ccan")
@dataclass(frozen=True)
class CampaignCancel:
    """Cancel a campaign; the first press asks, the press with `confirmed` cancels."""

    campaign_id: int
    confirmed: bool
