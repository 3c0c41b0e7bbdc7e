"""Campaigns and the outbox of messages they (and every other notice) send."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from storage.schema.base import UtcTimestamp, created_column, metadata

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("expert_id", ForeignKey("experts.id"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16), nullable=False, default="draft"),
    Column("item_ids", JSON, nullable=False, default=list),
    Column("audience", JSON, nullable=False, default=dict),
    Column("starts_at", UtcTimestamp),
    Column("recurrence", String(64)),  # e.g. "daily 20:00" / "weekly 5 20:00"
    Column("ends_at", UtcTimestamp),
    Column("audience_size", Integer),
    Column("progress_chat_id", BigInteger),
    Column("progress_message_id", BigInteger),
    Column("started_at", UtcTimestamp),
    Column("finished_at", UtcTimestamp),
    created_column(),
    Index("ix_campaigns_expert_status", "expert_id", "status"),
)


# One row per run that fired, under its unique key (the campaign and the start time of the run),
# with the process that fires it: no other process can fire that run again, unless it took the
# scheduler's lead from a dead firer and adopted its unfinished runs (bot/campaigns/runs.py).
campaign_runs = Table(
    "campaign_runs",
    metadata,
    Column("campaign_id", ForeignKey("campaigns.id"), nullable=False),
    Column("run_key", String(64), nullable=False),
    Column("fired_by", String(64), nullable=False),
    Column("fired_at", UtcTimestamp, nullable=False),
    PrimaryKeyConstraint("campaign_id", "run_key"),
)


outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("campaign_id", ForeignKey("campaigns.id")),
    Column("dedup_key", String(128), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcTimestamp, nullable=False),
    Column("telegram_message_id", BigInteger),
    Column("error", Text),
    Column("sent_at", UtcTimestamp),
    # A 'sending' row's worker and lease: a killed worker's rows are reclaimed when it ends.
    Column("claimed_by", String(64)),
    Column("lease_until", UtcTimestamp),
    created_column(),
    CheckConstraint(
        "status IN ('queued', 'sending', 'sent', 'failed', 'blocked', 'dropped', 'digest')",
        name="status",
    ),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    # sent_at too: the campaign report's timeline reads the index alone.
    Index("ix_outbox_campaign_status", "campaign_id", "status", "sent_at"),
    Index("ix_outbox_stream_due", "status", "campaign_id", "next_attempt_at"),
    Index("ix_outbox_user_due", "user_id", "next_attempt_at"),
)
