"""partner_pull_cursors and partner_order_reports: polling partners' order APIs, and what they said

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_pull_cursors",
        sa.Column("partner_key", sa.String(length=32), nullable=False),
        sa.Column("walk", sa.String(length=16), nullable=False),
        sa.Column("cursor_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner_key", "walk", name=op.f("pk_partner_pull_cursors")),
    )
    op.create_table(
        "partner_order_reports",
        sa.Column("partner_key", sa.String(length=32), nullable=False),
        sa.Column("partner_order_id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=True),
        sa.Column("tk_status", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Boolean(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("commission_fen", sa.BigInteger(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("sub_id", sa.String(length=64), nullable=True),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "partner_key", "partner_order_id", name=op.f("pk_partner_order_reports")
        ),
    )


def downgrade() -> None:
    op.drop_table("partner_order_reports")
    op.drop_table("partner_pull_cursors")
