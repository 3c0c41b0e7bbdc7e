"""Reconciliation screens, one use case per function: an expert's flagged orders; the reported
orders of the platform, an expert or a merchant's shops.

Each reported order (storage/repositories/partner_pull.py) is reconciled by the domain rule
(bot/domain/reconciliation.py). Nothing here changes money: the ledger pays the agreed rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from bot.analytics.export import csv_document, safe_text, yuan_text
from bot.analytics.views import zone
from bot.domain.reconciliation import (
    MISMATCH_REASONS,
    MismatchReason,
    OurSide,
    PartnerSide,
    Reconciled,
    reconcile,
)
from storage.repositories.partner_pull import ReportRow

if TYPE_CHECKING:
    from bot.services import Services

SHOWN_IN_EARNINGS = 10
CSV_COLUMNS = (
    "partner",
    "partner_order_id",
    "shop",
    "modified_at",
    "our_status",
    "partner_refunded",
    "partner_settled",
    "our_amount_yuan",
    "partner_amount_yuan",
    "our_rate_percent",
    "partner_rate_percent",
    "our_commission_yuan",
    "partner_commission_yuan",
    "difference_yuan",
    "reason",
)


@dataclass(frozen=True)
class ReconciledOrder:
    """One reported order: the stored figures and what reconciling them found."""

    row: ReportRow
    result: Reconciled


@dataclass(frozen=True)
class ReasonTotal:
    """How many orders one reason explains, and their summed difference (partner minus ours)."""

    reason: MismatchReason
    orders: int
    difference_fen: int


def reconciled(row: ReportRow) -> ReconciledOrder:
    """Reconcile one stored row (an order we never booked counts 0 on our side, no click)."""
    ours = OurSide(
        amount_fen=row.our_amount_fen if row.our_amount_fen is not None else 0,
        status=row.our_status or "not_booked",
        click_known=row.click_known,
        attributed=row.attributed,
        rate_bp=row.our_rate_bp,
        commission_fen=row.our_commission_fen,
    )
    theirs = PartnerSide(
        amount_fen=row.partner_amount_fen,
        refunded=row.partner_refunded,
        rate_bp=row.partner_rate_bp,
        commission_fen=row.partner_commission_fen,
    )
    return ReconciledOrder(row, reconcile(ours, theirs))


async def expert_flagged(services: Services, expert_id: int) -> tuple[ReconciledOrder, ...]:
    """The expert's latest orders whose commission differs from the partner's, newest first."""
    rows = await services.repos.partner_pull.rows(
        expert_id=expert_id, flagged_only=True, newest_first=True, limit=SHOWN_IN_EARNINGS
    )
    return tuple(reconciled(row) for row in rows)


async def all_of(
    services: Services, *, expert_id: int | None, merchant_ids: Sequence[int] | None = None
) -> list[ReconciledOrder]:
    """Every reported order (one expert's, these shops', or the platform's), oldest first."""
    rows = await services.repos.partner_pull.rows(expert_id=expert_id, merchant_ids=merchant_ids)
    return [reconciled(row) for row in rows]


def totals(orders: Iterable[ReconciledOrder]) -> tuple[ReasonTotal, ...]:
    """Per reason, in the rule's order, the orders it explains and their difference."""
    counts: dict[MismatchReason, list[int]] = {}
    for order in orders:
        if order.result.reason is not None:
            entry = counts.setdefault(order.result.reason, [0, 0])
            entry[0] += 1
            entry[1] += order.result.difference_fen
    return tuple(ReasonTotal(r, *counts[r]) for r in MISMATCH_REASONS if r in counts)


@dataclass(frozen=True)
class ReconciliationView:
    """/reconcile: the reported orders of the platform (admins), an expert or a merchant's shops."""

    scope: str  # "platform", "expert", "merchant", or "none" (none of those roles)
    checked: int
    totals: tuple[ReasonTotal, ...]
    csv: bytes


NOTHING = ReconciliationView("none", 0, (), b"")


async def reconciliation_view(
    services: Services, *, user_id: int, is_admin: bool, timezone: str, shops: bool = False
) -> ReconciliationView:
    """Admins see every reported order, an active expert theirs, a merchant its active shops'.

    `shops` asks for the shops' view first (a person who is also an expert or an admin).
    """
    expert_id: int | None = None
    merchant_ids: list[int] | None = None
    scope = "platform"
    if shops or not is_admin:
        expert = None if shops else await services.repos.experts.by_user(user_id)
        if expert is not None and expert.is_active:
            expert_id, scope = expert.id, "expert"
        else:
            owned = await services.repos.merchants.of_user(user_id)
            merchant_ids = [shop.id for shop in owned if shop.is_active]
            if not merchant_ids:
                return NOTHING
            scope = "merchant"
    orders = await all_of(services, expert_id=expert_id, merchant_ids=merchant_ids)
    return ReconciliationView(
        scope, len(orders), totals(orders), reconciliation_csv(orders, zone(timezone))
    )


def _yuan(fen: int | None) -> str:
    return "" if fen is None else yuan_text(fen)


def reconciliation_csv(orders: Sequence[ReconciledOrder], timezone: tzinfo) -> bytes:
    """One line per reported order, both sides' figures and the reason (blank: they agree)."""
    lines = []
    for order in orders:
        row, result = order.row, order.result
        lines.append(
            (
                row.partner_key,
                safe_text(row.partner_order_id),
                safe_text(row.merchant_name or ""),
                row.modified_at.astimezone(timezone).isoformat(timespec="seconds"),
                row.our_status or "not_booked",
                int(row.partner_refunded),
                int(row.settled),
                _yuan(row.our_amount_fen),
                _yuan(row.partner_amount_fen),
                _yuan(row.our_rate_bp),
                _yuan(row.partner_rate_bp),
                _yuan(result.ours_fen),
                _yuan(result.partners_fen),
                _yuan(result.difference_fen),
                result.reason or "",
            )
        )
    return csv_document(CSV_COLUMNS, lines)
