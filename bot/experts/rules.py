"""Rules for an expert application: handle, display name, ability tags, bio (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

from bot.domain.errors import DomainError
from bot.domain.verticals import get_vertical

HANDLE_PATTERN = re.compile(r"[A-Za-z0-9_]{3,32}")
# Commands and words people could mistake for the platform itself.
RESERVED_HANDLES = frozenset({"admin", "admins", "vitrine", "support", "help", "start", "settings"})
NAME_MIN_CHARS, NAME_MAX_CHARS = 2, 32
BIO_MIN_CHARS, BIO_MAX_CHARS = 10, 300
MAX_TAGS = 5
PIN_DAYS = (1, 3, 7)


def validate_handle(text: str) -> str:
    """Return the handle as typed (case kept) or raise handle.invalid / handle.reserved."""
    handle = text.strip().lstrip("@") if isinstance(text, str) else ""
    if not HANDLE_PATTERN.fullmatch(handle):
        raise DomainError("handle.invalid", min=3, max=32)
    if handle.lower() in RESERVED_HANDLES:
        raise DomainError("handle.reserved", handle=handle)
    return handle


def _one_line(text: str) -> str:
    """Collapse whitespace and drop control/format characters."""
    kept = "".join(c for c in text if c.isspace() or unicodedata.category(c)[0] != "C")
    return unicodedata.normalize("NFC", " ".join(kept.split()))


def validate_display_name(text: str) -> str:
    """Return a one-line display name of 2..32 characters or raise name.*."""
    name = _one_line(text) if isinstance(text, str) else ""
    if len(name) < NAME_MIN_CHARS:
        raise DomainError("name.too_short", min=NAME_MIN_CHARS)
    if len(name) > NAME_MAX_CHARS:
        raise DomainError("name.too_long", max=NAME_MAX_CHARS)
    if not any(unicodedata.category(c)[0] in "LN" for c in name):
        raise DomainError("name.no_letters")
    return name


def validate_bio(text: str) -> str:
    """Return the bio (lines kept, whitespace tidied) of 10..300 characters or raise bio.*."""
    if not isinstance(text, str):
        raise DomainError("bio.too_short", min=BIO_MIN_CHARS)
    lines = [_one_line(line) for line in text.replace("\r", "\n").split("\n")]
    bio = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len("".join(bio.split())) < BIO_MIN_CHARS:
        raise DomainError("bio.too_short", min=BIO_MIN_CHARS)
    if len(bio) > BIO_MAX_CHARS:
        raise DomainError("bio.too_long", max=BIO_MAX_CHARS, length=len(bio))
    return bio


def validate_tags(vertical: str, tags: list[str]) -> list[str]:
    """Return the tags in catalogue order when all belong to `vertical` (1..MAX_TAGS), else raise."""
    allowed = get_vertical(vertical).tag_keys
    if not tags:
        raise DomainError("tags.none")
    if len(set(tags)) > MAX_TAGS:
        raise DomainError("tags.too_many", max=MAX_TAGS)
    if any(tag not in allowed for tag in tags):
        raise DomainError("tags.wrong_vertical")
    return [tag for tag in allowed if tag in tags]


def toggle_tag(vertical: str, tags: list[str], tag: str) -> list[str]:
    """Add or remove one tag of `vertical`; refuses a sixth tag with tags.too_many."""
    if tag not in get_vertical(vertical).tag_keys:
        raise DomainError("tags.wrong_vertical")
    if tag in tags:
        return [t for t in tags if t != tag]
    if len(tags) >= MAX_TAGS:
        raise DomainError("tags.too_many", max=MAX_TAGS)
    return [*tags, tag]


def pin_end(days: int, now: datetime | None = None) -> datetime:
    """When a pin for `days` (one of PIN_DAYS) ends; DomainError("pin.bad_duration") otherwise."""
    if days not in PIN_DAYS:
        raise DomainError("pin.bad_duration", days=days)
    return (now or datetime.now(UTC)) + timedelta(days=days)


def refund_share_percent(refunded: int, orders: int) -> int | None:
    """The share of refunded orders in whole percent (rounded half up), None before any order."""
    if orders <= 0:
        return None
    return (refunded * 200 + orders) // (2 * orders)
