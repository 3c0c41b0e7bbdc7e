"""Rows of the CSV exports: what an expert or merchant may see, never who the fan was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DeliveryRow:
    """One outbox message of a campaign, without its chat or user."""

    campaign_id: int
    status: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    error: str | None  # reduced to an error class before it is exported


@dataclass(frozen=True)
class ClickRow:
    """One /go click, without the fan or the click id."""

    at: datetime
    source: str
    item_id: int
    item_title: str
    campaign_id: int | None


@dataclass(frozen=True)
class OrderRow:
    """One attributed order with the commission it carries (non-cancelled rows summed)."""

    occurred_at: datetime
    partner_key: str
    partner_order_id: str
    item_id: int | None
    item_title: str
    expert_handle: str
    campaign_id: int | None
    quantity: int
    amount_fen: int
    status: str
    commission_fen: int
