"""The order status machine: partner events, possibly out of order, applied exactly once.

Statuses: (no row) → paid → refunded | cancelled. ``refunded`` and ``cancelled`` are terminal:
the first terminal event wins, and a ``paid`` that arrives after it (the partner's queue
reordered them) is recorded as stale and never resurrects the order. Because such an order was
paid and reversed before we heard of it, its net effect on stock and commission is zero.

``apply_order_event`` is pure: the caller loads an ``OrderState`` from storage, applies the
``Transition``'s effects in the same database transaction as the new state, and skips
everything when ``changed`` is False (duplicates and stale events).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.domain.commissions import CommissionStatus, refund_effect
from bot.domain.errors import DomainError

OrderStatus = Literal["paid", "refunded", "cancelled"]
ORDER_STATUSES: frozenset[str] = frozenset({"paid", "refunded", "cancelled"})
TERMINAL_STATUSES: frozenset[str] = frozenset({"refunded", "cancelled"})

CommissionAction = Literal["create", "cancel", "negative_adjustment"]
TransitionReason = Literal["new", "reversed", "duplicate", "stale_after_terminal"]


@dataclass(frozen=True)
class OrderEvent:
    """One validated order callback from a partner (see ``bot.domain.webhooks``)."""

    order_id: str
    status: OrderStatus
    partner_item_id: str
    click_id: str | None
    quantity: int
    amount_fen: int
    currency: str
    occurred_at: datetime  # timezone-aware, UTC


@dataclass(frozen=True)
class OrderState:
    """What storage knows about one order now.

    ``stock_held`` is the quantity this order currently keeps out of stock (its quantity
    while paid, 0 otherwise); ``commission`` is the status of its live commission, computed by
    the caller with ``commission_status`` at the time of the event, or None when there is none
    (unattributed, or already reversed).
    """

    status: OrderStatus
    stock_held: int = 0
    commission: CommissionStatus | None = None

    def __post_init__(self) -> None:
        if self.status not in ORDER_STATUSES:
            raise DomainError("order.unknown_status", status=self.status)
        if isinstance(self.stock_held, bool) or not isinstance(self.stock_held, int):
            raise DomainError("order.bad_stock_held", stock_held=self.stock_held)
        if self.stock_held < 0 or (self.status != "paid" and self.stock_held != 0):
            raise DomainError("order.bad_stock_held", stock_held=self.stock_held)
        if self.commission not in (None, "pending", "confirmed"):
            raise DomainError("order.bad_commission", commission=self.commission)
        if self.status != "paid" and self.commission is not None:
            raise DomainError("order.bad_commission", commission=self.commission)


@dataclass(frozen=True)
class Transition:
    """The new state of an order and the effects to apply exactly once with it.

    ``stock_delta`` is added to the item's stock (negative when paid, positive when a paid
    order is reversed). ``commission_action`` "create" means "create a pending commission if
    the order is attributed"; ``state.commission`` then assumes it was created, and an
    unattributed order is stored without one.
    """

    state: OrderState
    changed: bool
    stock_delta: int
    commission_action: CommissionAction | None
    reason: TransitionReason


def apply_order_event(current: OrderState | None, event: OrderEvent) -> Transition:
    """Return the transition ``event`` causes from ``current`` (None: order not seen yet)."""
    if event.status not in ORDER_STATUSES:
        raise DomainError("order.unknown_status", status=event.status)
    if current is None:
        if event.status == "paid":
            return Transition(
                state=OrderState("paid", stock_held=event.quantity, commission="pending"),
                changed=True,
                stock_delta=-event.quantity,
                commission_action="create",
                reason="new",
            )
        # Reversed before we heard it was paid: record it, nothing to undo.
        return Transition(
            state=OrderState(event.status),
            changed=True,
            stock_delta=0,
            commission_action=None,
            reason="new",
        )
    if current.status in TERMINAL_STATUSES:
        reason: TransitionReason = (
            "duplicate" if event.status == current.status else "stale_after_terminal"
        )
        return _unchanged(current, reason)
    # current.status == "paid"
    if event.status == "paid":
        return _unchanged(current, "duplicate")
    action = refund_effect(current.commission) if current.commission is not None else None
    return Transition(
        state=OrderState(event.status),
        changed=True,
        # Restore what this order took, not what the refund event claims.
        stock_delta=current.stock_held,
        commission_action=action,
        reason="reversed",
    )


def _unchanged(current: OrderState, reason: TransitionReason) -> Transition:
    """Return a no-op transition that keeps ``current``."""
    return Transition(
        state=current, changed=False, stock_delta=0, commission_action=None, reason=reason
    )
