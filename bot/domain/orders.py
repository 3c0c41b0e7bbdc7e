"""The order status machine: partner events, possibly out of order, applied exactly once.

Statuses: (no row) → paid → refunded | cancelled. ``refunded`` and ``cancelled`` are terminal:
the first terminal event wins, and a ``paid`` that arrives after it (the partner's queue
reordered them) is recorded as stale and never resurrects the order. Because such an order was
paid and reversed before we heard of it, its net effect on stock and commission is zero.

``order_transition`` is pure: the caller loads an ``OrderState`` from storage, applies the
``Transition``'s effects in the same database transaction as the new state, and skips
everything when ``changed`` is False (duplicates and stale events). The stock rules
(``held_stock``, ``stock_change``: never below zero, sold out, low stock warned once) are pure
too; ``bot.orders.service.apply_order_event`` applies all of them in one unit of work.
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


def order_transition(current: OrderState | None, event: OrderEvent) -> Transition:
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


def held_stock(status: str, *, has_item: bool, quantity: int, stock_taken: int | None) -> int:
    """How much stock a stored order keeps out now: what it took while paid, else nothing.

    An oversold order took less than its quantity (``stock_taken``); a reversal gives back only
    that. Orders stored before ``stock_taken`` existed (None) took their whole quantity.
    """
    if status != "paid" or not has_item:
        return 0
    return quantity if stock_taken is None else max(0, min(quantity, stock_taken))


@dataclass(frozen=True)
class StockChange:
    """An item's stock after an order's ``stock_delta``, and what to tell its expert."""

    after: int
    taken: int  # how much this change took out of stock (at most -delta)
    sold_out: bool  # this order took the last piece
    low_stock: bool  # stock fell to the threshold: warn the expert now
    warned: bool  # the item's "low stock already warned" flag after this change


def stock_change(before: int, delta: int, *, warned: bool, threshold: int) -> StockChange:
    """Apply ``delta`` to ``before`` (never below zero); warn once when it falls to ``threshold``.

    Refunds that bring the stock back above the threshold clear the flag, so the next fall
    warns again.
    """
    after = max(0, before + delta)
    low = delta < 0 and 0 < after <= threshold and not warned
    if low:
        warned_after = True
    elif delta > 0 and after > threshold:
        warned_after = False
    else:
        warned_after = warned
    return StockChange(
        after=after,
        taken=max(0, before - after),
        sold_out=delta < 0 and after == 0,
        low_stock=low,
        warned=warned_after,
    )


@dataclass(frozen=True)
class OrderRules:
    """The configurable windows and thresholds an order is judged by."""

    attribution_window_seconds: int
    refund_window_seconds: int
    low_stock_threshold: int


@dataclass(frozen=True)
class OrderOutcome:
    """What one callback did: enough to answer the partner and to write the notices."""

    replayed: bool  # the same webhook-id was seen before: nothing was done
    changed: bool
    reason: str  # new | reversed | duplicate | stale_after_terminal | replayed
    order_id: int | None = None
    partner_order_id: str = ""
    merchant_id: int = 0
    status: str = ""
    item_id: int | None = None
    item_title: str | None = None
    expert_id: int | None = None
    campaign_id: int | None = None
    quantity: int = 0
    amount_fen: int = 0
    commission_action: str | None = None  # create | cancel | negative_adjustment
    commission_fen: int = 0  # the amount booked or reversed by this callback (>= 0)
    rate_bp: int | None = None
    stock_after: int | None = None
    sold_out: bool = False  # this order took the last piece
    low_stock: bool = False  # stock fell to the threshold: warn the expert (once)


REPLAYED = OrderOutcome(replayed=True, changed=False, reason="replayed")
