"""Items and what fans do around them: following experts, favourites, the cart, pre-sale
reservations and reports of items to admins."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from storage.schema.base import UtcTimestamp, created_column, metadata

follows = Table(
    "follows",
    metadata,
    Column("fan_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("experts.id"), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("muted", Boolean, nullable=False, default=False),
    created_column(),
    Index("ix_follows_expert", "expert_id"),
)


items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("expert_id", ForeignKey("experts.id"), nullable=False),
    Column("merchant_id", ForeignKey("merchants.id")),
    Column("partner_key", ForeignKey("partners.key"), nullable=False),
    Column("partner_item_id", String(64), nullable=False),
    Column("shop_id", String(64)),
    Column("canonical_url", Text, nullable=False),
    Column("title", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("price_fen", BigInteger, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("photo_file_id", String(256)),
    Column("photo_path", String(256)),  # demo photos generated locally, uploaded on first send
    Column("tags", JSON, nullable=False, default=list),
    Column("status", String(16), nullable=False, default="listed"),
    Column("position", Integer, nullable=False, default=0),
    Column("pinned_until", UtcTimestamp),
    Column("presale_opens_at", UtcTimestamp),
    Column("low_stock_warned", Boolean, nullable=False, default=False),
    created_column(),
    Column("updated_at", UtcTimestamp, nullable=False),
    CheckConstraint("price_fen > 0", name="price_positive"),
    CheckConstraint("stock >= 0", name="stock_non_negative"),
    CheckConstraint("status IN ('listed', 'delisted', 'suspended')", name="status"),
    Index("ix_items_expert_status", "expert_id", "status"),
    Index("ix_items_partner_item", "partner_key", "partner_item_id"),
)


favourites = Table(
    "favourites",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
    created_column(),
)


cart_items = Table(
    "cart_items",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
    Column("quantity", Integer, nullable=False, default=1),
    created_column(),
    CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity_range"),
)


reservations = Table(
    "reservations",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
    Column("reminded_at", UtcTimestamp),
    created_column(),
)


item_reports = Table(
    "item_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id"), nullable=False),
    Column("reporter_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("reason", String(32), nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    created_column(),
)
