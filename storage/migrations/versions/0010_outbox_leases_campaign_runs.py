"""outbox leases and campaign_runs: which worker holds a 'sending' row until when; runs fired once

Several delivery workers share one outbox on PostgreSQL. A claim records the worker and a lease;
the worker renews its leases while it lives, and a row whose lease ran out (its worker was
killed) goes back to the queue (storage/repositories/outbox.py). Every run that fires is
recorded under its unique key, so two processes can never fire the same run.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_by", sa.String(length=64), nullable=True))
    op.add_column("outbox", sa.Column("lease_until", sa.BigInteger(), nullable=True))
    op.create_table(
        "campaign_runs",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=64), nullable=False),
        sa.Column("fired_by", sa.String(length=64), nullable=False),
        sa.Column("fired_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_runs_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "run_key", name=op.f("pk_campaign_runs")),
    )


def downgrade() -> None:
    op.drop_table("campaign_runs")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
