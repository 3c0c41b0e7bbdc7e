"""reports: the campaign report's indexes cover its columns (no table reads for /stats)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns before, columns now): each index gains the columns the campaign report
# reads beside its key, so counting distinct fans and bucketing times never reads the table.
WIDENED = (
    (
        "ix_outbox_campaign_status",
        "outbox",
        ["campaign_id", "status"],
        ["campaign_id", "status", "sent_at"],
    ),
    ("ix_clicks_campaign", "clicks", ["campaign_id"], ["campaign_id", "fan_id", "created_at"]),
    (
        "ix_events_campaign_kind",
        "events",
        ["campaign_id", "kind"],
        ["campaign_id", "kind", "user_id"],
    ),
)


def upgrade() -> None:
    for name, table, _before, now in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, now)


def downgrade() -> None:
    for name, table, before, _now in WIDENED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, before)
