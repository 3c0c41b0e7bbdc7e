"""The people and the parties they work with: users and their settings and interests, the
partner platforms, experts, merchants with their signing secrets, and merchants' agreements."""

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
    UniqueConstraint,
)

from bot.domain.states import DEFAULT_LANGUAGE
from storage.schema.base import UtcTimestamp, created_column, metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("telegram_id", BigInteger, nullable=True, unique=True),  # NULL once forgotten
    Column("first_name", String(128), nullable=False, default=""),
    Column("username", String(64)),
    Column("language", String(16), nullable=False, default=DEFAULT_LANGUAGE.value),
    Column("language_chosen", Boolean, nullable=False, default=False),
    # The Telegram client's language tag as last seen; `language` follows it until chosen.
    Column("client_language", String(35)),
    Column("timezone", String(64), nullable=False, default="Asia/Shanghai"),
    Column("unreachable_at", UtcTimestamp),  # the user blocked the bot (403)
    Column("onboarded_at", UtcTimestamp),
    Column("forgotten_at", UtcTimestamp),
    created_column(),
)


fan_settings = Table(
    "fan_settings",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("push_mode", String(16), nullable=False, default="instant"),
    Column("quiet_start_min", Integer, nullable=False, default=22 * 60),
    Column("quiet_end_min", Integer, nullable=False, default=8 * 60),
    Column("daily_cap", Integer, nullable=False, default=3),
    Column("digest_hour", Integer, nullable=False, default=20),
    Column("discovery_consent", Boolean, nullable=False, default=False),
    CheckConstraint("push_mode IN ('instant', 'digest', 'off')", name="push_mode"),
)


interests = Table(
    "interests",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(32), primary_key=True),
    Index("ix_interests_tag", "tag"),
)


partners = Table(
    "partners",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("config", JSON, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
)


experts = Table(
    "experts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, unique=True),
    Column("handle", String(64), nullable=False),
    Column("handle_key", String(64), nullable=False, unique=True),  # lower-cased handle
    Column("display_name", String(64), nullable=False),
    Column("vertical", String(32), nullable=False),
    Column("tags", JSON, nullable=False, default=list),
    Column("bio", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="pending"),
    Column("reject_reason", Text),
    Column("verified_at", UtcTimestamp),
    Column("suspended_at", UtcTimestamp),
    created_column(),
    CheckConstraint("status IN ('pending', 'verified', 'rejected', 'suspended')", name="status"),
    Index("ix_experts_vertical_status", "vertical", "status"),
)


merchants = Table(
    "merchants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("partner_key", ForeignKey("partners.key"), nullable=False),
    Column("shop_id", String(64), nullable=False),
    Column("name", String(128), nullable=False),
    Column("notice_chat_id", BigInteger, nullable=False),
    Column("callback_key", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False, default="pending"),
    Column("reject_reason", Text),
    Column("verified_at", UtcTimestamp),
    Column("suspended_at", UtcTimestamp),
    created_column(),
    UniqueConstraint("partner_key", "shop_id", name="uq_merchants_shop"),
    CheckConstraint("status IN ('pending', 'verified', 'rejected', 'suspended')", name="status"),
)


merchant_secrets = Table(
    "merchant_secrets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("merchant_id", ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("expires_at", UtcTimestamp),  # NULL = current secret
    created_column(),
    Index("ix_merchant_secrets_merchant", "merchant_id"),
)


agreements = Table(
    "agreements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("merchant_id", ForeignKey("merchants.id"), nullable=False),
    Column("expert_id", ForeignKey("experts.id")),  # NULL = the merchant's default rate
    Column("rate_bp", Integer, nullable=False),
    Column("status", String(16), nullable=False, default="proposed"),
    Column("decided_at", UtcTimestamp),
    Column("superseded_at", UtcTimestamp),
    created_column(),
    CheckConstraint("rate_bp BETWEEN 0 AND 10000", name="rate_range"),
    CheckConstraint("status IN ('proposed', 'accepted', 'declined', 'superseded')", name="status"),
    Index("ix_agreements_merchant_expert", "merchant_id", "expert_id"),
)
