"""outbox: an index on (user_id, next_attempt_at) for the fan-out's daily cap

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The fan-out counts each fan's pushes on their local day with one index probe per fan, so
    # planning a chunk of fans costs the chunk, not every push planned that day.
    op.create_index("ix_outbox_user_due", "outbox", ["user_id", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_user_due", table_name="outbox")
