"""The reason an admin types for a rejection, suspension or reinstatement: the owner reads it."""

from __future__ import annotations

from bot.domain.errors import DomainError

MAX_REASON_CHARS = 500


def clean_reason(text: str) -> str:
    """A reason as typed, trimmed; DomainError("admin.reason_*") when empty or too long."""
    reason = " ".join((text or "").split())
    if not reason:
        raise DomainError("admin.reason_empty")
    if len(reason) > MAX_REASON_CHARS:
        raise DomainError("admin.reason_too_long", max=MAX_REASON_CHARS)
    return reason
