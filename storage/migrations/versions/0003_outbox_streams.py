"""outbox: an index for reading due rows per campaign (the dispatcher's fair share)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Serves "which campaigns have queued rows" (a loose index scan) and "the due rows of one
    # campaign, oldest first", so a second campaign never waits behind a first one's million.
    op.create_index(
        "ix_outbox_stream_due", "outbox", ["status", "campaign_id", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_stream_due", table_name="outbox")
