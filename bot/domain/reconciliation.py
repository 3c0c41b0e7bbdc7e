"""Reconciliation: our commission on an order beside the partner's, and why they differ.

The ledger pays experts by the rate agreed with the merchant, never by what the partner reports;
the partner's figure is set beside ours and every difference is flagged with its reason, for the
expert (a "why" line in /earnings, the CSV) and the admins (totals). Nothing here changes money.

Reasons, checked in this order (the first that explains the difference is given):
- ``refund``: the partner closed the order after payment, and one side still counts a commission.
- ``no_click``: the partner pays on an order we cannot attribute: no click id came back, or one
  we never issued.
- ``outside_window``: our click is older than the attribution window when the order was paid.
- ``amount_changed``: the partner's order amount differs from the one we booked.
- ``rate_changed``: the partner's rate differs from the rate agreed with the merchant.
- ``rounding``: the same amount and rate, a fen apart (we round down; partners may round half up).
- ``unexplained``: none of these; an admin should look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

MismatchReason = Literal[
    "refund",
    "no_click",
    "outside_window",
    "amount_changed",
    "rate_changed",
    "rounding",
    "unexplained",
]
# The rule's order, as the docstring lists it (the literal above is the one list).
MISMATCH_REASONS: tuple[MismatchReason, ...] = get_args(MismatchReason)


@dataclass(frozen=True)
class OurSide:
    """What Vitrine booked for the order."""

    amount_fen: int
    status: str  # paid, refunded, cancelled
    click_known: bool  # the order's click id is one we issued
    attributed: bool  # the click was inside the attribution window (an expert earns)
    rate_bp: int | None  # the agreed rate the commission used, None when none was booked
    commission_fen: int  # net: booked minus reversals, 0 when cancelled or never booked


@dataclass(frozen=True)
class PartnerSide:
    """What the partner reported for the same order."""

    amount_fen: int
    refunded: bool
    rate_bp: int
    commission_fen: int  # settled if settled, else the partner's estimate; 0 once refunded


@dataclass(frozen=True)
class Reconciled:
    """One order's two figures and, when they differ, why."""

    ours_fen: int
    partners_fen: int
    reason: MismatchReason | None  # None: the figures agree

    @property
    def difference_fen(self) -> int:
        """Partner's minus ours: positive when the partner reports more than we pay."""
        return self.partners_fen - self.ours_fen


def reconcile(ours: OurSide, partner: PartnerSide) -> Reconciled:
    """Set the two commissions side by side and name the reason they differ (None if they agree)."""
    partners_fen = 0 if partner.refunded else partner.commission_fen
    result = Reconciled(ours.commission_fen, partners_fen, None)
    if ours.commission_fen == partners_fen:
        return result
    return Reconciled(ours.commission_fen, partners_fen, _reason(ours, partner))


def _reason(ours: OurSide, partner: PartnerSide) -> MismatchReason:
    if partner.refunded or ours.status in ("refunded", "cancelled"):
        return "refund"
    if not ours.click_known:
        return "no_click"
    if not ours.attributed:
        return "outside_window"
    if partner.amount_fen != ours.amount_fen:
        return "amount_changed"
    if ours.rate_bp is not None and partner.rate_bp != ours.rate_bp:
        return "rate_changed"
    if abs(partner.commission_fen - ours.commission_fen) <= 1:
        return "rounding"
    return "unexplained"
