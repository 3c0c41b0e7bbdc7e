"""Callback kinds of the admins' audit log and queue, registered with the one codec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.callbacks import callback

AuditScope = Literal["all", "expert", "merchant", "item"]


@callback("aud")
@dataclass(frozen=True)
class AuditView:
    """Page `page` (0-based) of the audit log, all of it or about one target.

    `edit` is set on the Prev/Next buttons of an audit page (turn that page); the Audit buttons of
    the queue and of target cards send the log as a new message and keep the card.
    """

    scope: AuditScope
    target_id: int
    page: int
    edit: bool
