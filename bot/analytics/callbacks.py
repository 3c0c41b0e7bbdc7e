"""Callback kinds of the report screens, registered with the one codec (bot/domain/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.callbacks import callback

ExportScope = Literal["one", "all"]


@callback("rpt")
@dataclass(frozen=True)
class CampaignReportOpen:
    """Show the report of one campaign (its owner only; checked when pressed)."""

    campaign_id: int


@callback("rptx")
@dataclass(frozen=True)
class CampaignExportOpen:
    """Send the CSV exports of one campaign (its owner only; checked when pressed)."""

    campaign_id: int
