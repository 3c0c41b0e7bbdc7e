"""The money trail: clicks on partner links, partners' orders, experts' commissions, and the
receipts that make merchants' order callbacks idempotent."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from storage.schema.base import UtcTimestamp, created_column, metadata

clicks = Table(
    "clicks",
    metadata,
    Column("id", String(32), primary_key=True),  # the click id handed to the partner
    Column("item_id", ForeignKey("items.id"), nullable=False),
    Column("fan_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("expert_id", ForeignKey("experts.id"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("campaign_id", ForeignKey("campaigns.id")),
    Column("sharer_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("user_agent", String(256)),
    created_column(),
    Index("ix_clicks_expert_created", "expert_id", "created_at"),
    Index("ix_clicks_campaign", "campaign_id", "fan_id", "created_at"),  # covers the report
)


orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_key", ForeignKey("partners.key"), nullable=False),
    Column("partner_order_id", String(64), nullable=False),
    Column("merchant_id", ForeignKey("merchants.id"), nullable=False),
    Column("item_id", ForeignKey("items.id")),
    Column("click_id", ForeignKey("clicks.id")),
    Column("expert_id", ForeignKey("experts.id")),
    Column("campaign_id", ForeignKey("campaigns.id")),
    Column("quantity", Integer, nullable=False),
    # Stock the paid order really took (less than quantity when oversold); what a reversal gives back.
    Column("stock_taken", Integer),
    Column("amount_fen", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("occurred_at", UtcTimestamp, nullable=False),
    created_column(),
    Column("updated_at", UtcTimestamp, nullable=False),
    UniqueConstraint("partner_key", "partner_order_id", name="uq_orders_partner_order"),
    Index("ix_orders_merchant_created", "merchant_id", "created_at"),
    Index("ix_orders_expert_created", "expert_id", "created_at"),
)


commissions = Table(
    "commissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("expert_id", ForeignKey("experts.id"), nullable=False),
    Column("merchant_id", ForeignKey("merchants.id"), nullable=False),
    Column("kind", String(16), nullable=False, default="commission"),  # or "adjustment"
    Column("rate_bp", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("confirmed_at", UtcTimestamp),
    created_column(),
    CheckConstraint("status IN ('pending', 'confirmed', 'cancelled')", name="status"),
    Index("ix_commissions_expert", "expert_id", "created_at"),
)


webhook_receipts = Table(
    "webhook_receipts",
    metadata,
    Column("merchant_id", ForeignKey("merchants.id"), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("received_at", UtcTimestamp, nullable=False),
)
