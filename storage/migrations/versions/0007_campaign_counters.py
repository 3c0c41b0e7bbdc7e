"""reports: per-campaign counters and minute timeline kept by triggers, backfilled from the rows

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.repositories.campaign_counters import REBUILD
from storage.schema.counters import SQLITE_TRIGGERS

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERED_TABLES = ("events", "clicks", "orders", "commissions", "outbox")


def upgrade() -> None:
    op.create_table(
        "campaign_counters",
        sa.Column("campaign_id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(24), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "campaign_timeline",
        sa.Column("campaign_id", sa.Integer, primary_key=True),
        sa.Column("series", sa.Integer, primary_key=True),
        sa.Column("minute", sa.BigInteger, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name != "sqlite":
        return  # elsewhere the report counts the raw rows
    # Triggers first, then the backfill, in the migration's one transaction: no write between.
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)
    for statement in REBUILD:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TRIGGERED_TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_counted_{action}")
    op.drop_table("campaign_timeline")
    op.drop_table("campaign_counters")
