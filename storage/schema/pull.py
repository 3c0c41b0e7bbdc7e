"""The pull side of partner order sync: where each partner's polling stands, and what it reported.

`partner_pull_cursors` keeps, per partner platform and walk (``forward`` for new orders,
``recheck`` for re-reading recent ones for late refunds), the creation time up to which orders have
been read: a restart resumes there, and the cursor moves only after a whole window is applied.
`partner_order_reports` keeps the partner's own figures for every order it listed (its status,
amount, rate and commission), which reconciliation sets beside ours; it never moves money.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, String, Table

from storage.schema.base import UtcTimestamp, metadata

partner_pull_cursors = Table(
    "partner_pull_cursors",
    metadata,
    Column("partner_key", String(32), primary_key=True),
    Column("walk", String(16), primary_key=True),  # "forward" or "recheck"
    Column("cursor_at", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
)

partner_order_reports = Table(
    "partner_order_reports",
    metadata,
    Column("partner_key", String(32), primary_key=True),
    Column("partner_order_id", String(64), primary_key=True),
    Column("merchant_id", Integer, nullable=True),  # None: a shop we do not know
    Column("tk_status", Integer, nullable=False),
    Column("refunded", Boolean, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("rate_bp", Integer, nullable=False),
    Column("commission_fen", BigInteger, nullable=False),
    Column("settled", Boolean, nullable=False),
    Column("sub_id", String(64)),
    Column("modified_at", UtcTimestamp, nullable=False),
    Column("seen_at", UtcTimestamp, nullable=False),
)
