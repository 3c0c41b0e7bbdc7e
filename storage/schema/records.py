"""What the bot keeps for later: analytics events, the admins' audit log, and small JSON state by
key (flows and drafts) that survives restarts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from storage.schema.base import UtcTimestamp, metadata

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("at", UtcTimestamp, nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("expert_id", Integer),
    Column("item_id", Integer),
    Column("campaign_id", Integer),
    Column("source", String(32)),
    Column("value", BigInteger),
    Index("ix_events_campaign_kind", "campaign_id", "kind", "user_id"),  # distinct followers
    Index("ix_events_expert_at", "expert_id", "at"),
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(48), nullable=False),
    Column("target_kind", String(24), nullable=False),
    Column("target_id", Integer),
    Column("detail", JSON, nullable=False, default=dict),
    Column("at", UtcTimestamp, nullable=False),
    Index("ix_audit_log_at", "at"),
)


# Small JSON state by key that must survive restarts: the flows' conversations and the
# /publish drafts.
bot_state = Table(
    "bot_state",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
)


# Telegram update ids the webhook route has taken, so an update delivered again (Telegram retries
# a delivery it saw no answer to) is handled once, across restarts and web processes. Pruned after
# a day: Telegram gives up on an undelivered update within 24 hours.
seen_updates = Table(
    "seen_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("seen_at", UtcTimestamp, nullable=False),
    Index("ix_seen_updates_seen_at", "seen_at"),
)
