"""The callback kinds of admins' moderation buttons: approve, reject or suspend a target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.callbacks.codec import callback

AdminTarget = Literal["expert", "merchant", "item", "report", "fan"]


@callback("aok")
@dataclass(frozen=True)
class AdminApprove:
    """An admin approves the target (verifies an expert or merchant, upholds a report)."""

    kind: AdminTarget
    target_id: int


@callback("ano")
@dataclass(frozen=True)
class AdminReject:
    """An admin rejects the target (an application, or dismisses a report)."""

    kind: AdminTarget
    target_id: int


@callback("asus")
@dataclass(frozen=True)
class AdminSuspend:
    """An admin suspends the target account or item."""

    kind: AdminTarget
    target_id: int
