"""The whole domain's tables (SQLAlchemy Core), portable between SQLite and PostgreSQL.

Conventions: money is integer fen (`*_fen`), rates are basis points (`*_bp`), times are UTC and
stored as integer Unix seconds through `UtcTimestamp`, so SQL can bucket and compare them cheaply
on both databases. Telegram ids live only in `users.telegram_id` and chat columns; every other
table refers to people by internal ids.

The tables live by feature in `accounts`, `catalogue`, `campaigns`, `commerce`, `counters` (the
campaign report's pre-aggregates, with their SQLite triggers), `pull` (partner order polling) and
`records`, all
on `base.metadata`. Importing this package defines every table, so `metadata` is complete for
migrations and `create_all`, and every table is importable from here.
"""

from __future__ import annotations

from storage.schema.accounts import (
    agreements,
    experts,
    fan_settings,
    interests,
    merchant_secrets,
    merchants,
    partners,
    users,
)
from storage.schema.base import UtcTimestamp, metadata
from storage.schema.campaigns import (
    campaign_runs,
    campaigns,
    outbox,
)
from storage.schema.catalogue import (
    cart_items,
    favourites,
    follows,
    item_reports,
    items,
    reservations,
)
from storage.schema.commerce import (
    clicks,
    commissions,
    orders,
    webhook_receipts,
)
from storage.schema.counters import campaign_counters, campaign_timeline
from storage.schema.pull import partner_order_reports, partner_pull_cursors
from storage.schema.records import (
    audit_log,
    bot_state,
    events,
    seen_updates,
)

__all__ = [
    "UtcTimestamp",
    "agreements",
    "audit_log",
    "bot_state",
    "campaign_counters",
    "campaign_runs",
    "campaign_timeline",
    "campaigns",
    "cart_items",
    "clicks",
    "commissions",
    "events",
    "experts",
    "fan_settings",
    "favourites",
    "follows",
    "interests",
    "item_reports",
    "items",
    "merchant_secrets",
    "merchants",
    "metadata",
    "orders",
    "outbox",
    "partner_order_reports",
    "partner_pull_cursors",
    "partners",
    "reservations",
    "seen_updates",
    "users",
    "webhook_receipts",
]
