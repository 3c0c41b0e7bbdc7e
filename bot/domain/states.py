"""The named states and kinds of the platform, as StrEnums: compared, stored and rendered as text.

Each enum's values are exactly what the database stores (the schema's CHECK constraints), so a
member compares equal to the stored string and can be written back as it is.
"""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """The catalogues a person can read (bot/texts.py)."""

    ZH_HANS = "zh_Hans"
    EN = "en"


DEFAULT_LANGUAGE = Language.ZH_HANS


class ProfileStatus(StrEnum):
    """An expert profile or a merchant's shop, through verification and moderation."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class ItemStatus(StrEnum):
    """An item in an expert's window."""

    LISTED = "listed"
    DELISTED = "delisted"
    SUSPENDED = "suspended"


class CampaignStatus(StrEnum):
    """A campaign's life: drafted, scheduled, running (sending), paused, done or ended early."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"


class CampaignKind(StrEnum):
    """What a campaign does (bot/domain/campaigns.py has the rules of each)."""

    PUSH = "push"
    HEADLINE = "headline"
    PASSERBY = "passerby"
    ACCOUNT = "account"
    PRESALE = "presale"
    AUTO = "auto"


class OutboxStatus(StrEnum):
    """One message of the outbox (storage/repositories/outbox.py has the status machine)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    DROPPED = "dropped"
    DIGEST = "digest"


class OrderStatus(StrEnum):
    """An order as the partner reported it."""

    PAID = "paid"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class CommissionStatus(StrEnum):
    """A commission: pending until the refund window closes, then confirmed; or cancelled."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class AgreementStatus(StrEnum):
    """A commission agreement between a merchant and an expert."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUPERSEDED = "superseded"


class PushMode(StrEnum):
    """How a fan receives pushes."""

    INSTANT = "instant"
    DIGEST = "digest"
    OFF = "off"
