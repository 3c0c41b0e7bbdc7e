"""The whole domain's tables (SQLAlchemy Core), portable between SQLite and PostgreSQL.

Conventions: money is integer fen (`*_fen`), rates are basis points (`*_bp`), times are UTC and
stored as integer Unix seconds through `UtcTimestamp`, so SQL can bucket and compare them cheaply
on both databases. Telegram ids live only in `users.telegram_id` and chat columns; every other
table refers to people by internal ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from bot.domain.states import DEFAULT_LANGUAGE

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcTimestamp(TypeDecorator[datetime]):
    """An aware UTC datetime stored as integer Unix seconds."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, (int, float)):
            return int(value)
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
        return int(value.timestamp())

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromtimestamp(int(value), UTC)


def _created() -> Column[datetime]:
    return Column("created_at", UtcTimestamp, nullable=False)


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
    _created(),
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
    _created(),
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
    _created(),
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
    _created(),
    Index("ix_merchant_secrets_merchant", "merchant_id"),
)

follows = Table(
    "follows",
    metadata,
    Column("fan_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("experts.id"), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("muted", Boolean, nullable=False, default=False),
    _created(),
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
    _created(),
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
    _created(),
)

cart_items = Table(
    "cart_items",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
    Column("quantity", Integer, nullable=False, default=1),
    _created(),
    CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity_range"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
    Column("reminded_at", UtcTimestamp),
    _created(),
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
    _created(),
    CheckConstraint("rate_bp BETWEEN 0 AND 10000", name="rate_range"),
    CheckConstraint("status IN ('proposed', 'accepted', 'declined', 'superseded')", name="status"),
    Index("ix_agreements_merchant_expert", "merchant_id", "expert_id"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("expert_id", ForeignKey("experts.id"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16), nullable=False, default="draft"),
    Column("item_ids", JSON, nullable=False, default=list),
    Column("audience", JSON, nullable=False, default=dict),
    Column("starts_at", UtcTimestamp),
    Column("recurrence", String(64)),  # e.g. "daily 20:00" / "weekly 5 20:00"
    Column("ends_at", UtcTimestamp),
    Column("audience_size", Integer),
    Column("progress_chat_id", BigInteger),
    Column("progress_message_id", BigInteger),
    Column("started_at", UtcTimestamp),
    Column("finished_at", UtcTimestamp),
    _created(),
    Index("ix_campaigns_expert_status", "expert_id", "status"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("campaign_id", ForeignKey("campaigns.id")),
    Column("dedup_key", String(128), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcTimestamp, nullable=False),
    Column("telegram_message_id", BigInteger),
    Column("error", Text),
    Column("sent_at", UtcTimestamp),
    _created(),
    CheckConstraint(
        "status IN ('queued', 'sending', 'sent', 'failed', 'blocked', 'dropped', 'digest')",
        name="status",
    ),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    # sent_at too: the campaign report's timeline reads the index alone.
    Index("ix_outbox_campaign_status", "campaign_id", "status", "sent_at"),
    Index("ix_outbox_stream_due", "status", "campaign_id", "next_attempt_at"),
    Index("ix_outbox_user_due", "user_id", "next_attempt_at"),
)

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
    _created(),
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
    _created(),
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
    _created(),
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

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("at", UtcTimestamp, nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("expert_id", Integer),
    Column("item_id", Integer),
    Column("campaign_id", Integer),
    Column("source", String(32)),
    Column("value", BigInteger),
    Index("ix_events_campaign_kind", "campaign_id", "kind", "user_id"),  # distinct followers
    Index("ix_events_expert_at", "expert_id", "at"),
)

item_reports = Table(
    "item_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id"), nullable=False),
    Column("reporter_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("reason", String(32), nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    _created(),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(48), nullable=False),
    Column("target_kind", String(24), nullable=False),
    Column("target_id", Integer),
    Column("detail", JSON, nullable=False, default=dict),
    Column("at", UtcTimestamp, nullable=False),
    Index("ix_audit_log_at", "at"),
)

# PTB persistence for conversations (e.g. the publisher resumes after a restart).
bot_state = Table(
    "bot_state",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
)
