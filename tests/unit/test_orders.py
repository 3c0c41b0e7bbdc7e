"""The order status machine, over every ordering of paid/refunded/cancelled with duplicates."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from bot.domain.errors import DomainError
from bot.domain.orders import OrderEvent, OrderState, Transition, order_transition

QUANTITY = 3
STATUSES = ("paid", "refunded", "cancelled")


def event(status: str, quantity: int = QUANTITY) -> OrderEvent:
    """Return an order event for the same order with ``status``."""
    return OrderEvent(
        order_id="T1",
        status=status,  # type: ignore[arg-type]
        partner_item_id="p1",
        click_id="c1",
        quantity=quantity,
        amount_fen=1000,
        currency="CNY",
        occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
    )


# --- single steps -----------------------------------------------------------------------


def test_first_paid_takes_stock_and_creates_commission() -> None:
    step = order_transition(None, event("paid"))
    assert step == Transition(
        state=OrderState("paid", stock_held=QUANTITY, commission="pending"),
        changed=True,
        stock_delta=-QUANTITY,
        commission_action="create",
        reason="new",
    )


@pytest.mark.parametrize("status", ["refunded", "cancelled"])
def test_reversal_before_paid_is_recorded_without_effects(status: str) -> None:
    step = order_transition(None, event(status))
    assert step.state == OrderState(status)  # type: ignore[arg-type]
    assert step.changed
    assert step.stock_delta == 0
    assert step.commission_action is None


def test_duplicate_paid_changes_nothing() -> None:
    current = OrderState("paid", stock_held=QUANTITY, commission="pending")
    step = order_transition(current, event("paid"))
    assert step == Transition(current, False, 0, None, "duplicate")


@pytest.mark.parametrize(
    ("status", "commission", "action"),
    [
        ("refunded", "pending", "cancel"),
        ("refunded", "confirmed", "negative_adjustment"),
        ("refunded", None, None),
        ("cancelled", "pending", "cancel"),
        ("cancelled", "confirmed", "negative_adjustment"),
        ("cancelled", None, None),
    ],
)
def test_reversing_a_paid_order_restores_stock_and_reverses_commission(
    status: str, commission: str | None, action: str | None
) -> None:
    current = OrderState("paid", stock_held=QUANTITY, commission=commission)  # type: ignore[arg-type]
    step = order_transition(current, event(status))
    assert step.state == OrderState(status)  # type: ignore[arg-type]
    assert step.changed
    assert step.stock_delta == QUANTITY
    assert step.commission_action == action
    assert step.reason == "reversed"


def test_reversal_restores_what_was_taken_not_what_the_refund_claims() -> None:
    current = OrderState("paid", stock_held=3, commission="pending")
    assert order_transition(current, event("refunded", quantity=50)).stock_delta == 3


@pytest.mark.parametrize(
    ("terminal", "incoming", "reason"),
    [
        ("refunded", "paid", "stale_after_terminal"),
        ("refunded", "refunded", "duplicate"),
        ("refunded", "cancelled", "stale_after_terminal"),
        ("cancelled", "paid", "stale_after_terminal"),
        ("cancelled", "cancelled", "duplicate"),
        ("cancelled", "refunded", "stale_after_terminal"),
    ],
)
def test_terminal_states_never_move(terminal: str, incoming: str, reason: str) -> None:
    current = OrderState(terminal)  # type: ignore[arg-type]
    step = order_transition(current, event(incoming))
    assert step == Transition(current, False, 0, None, reason)  # type: ignore[arg-type]


# --- state validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"status": "shipped"}, "order.unknown_status"),
        ({"status": "paid", "stock_held": -1}, "order.bad_stock_held"),
        ({"status": "refunded", "stock_held": 2}, "order.bad_stock_held"),
        ({"status": "paid", "stock_held": True}, "order.bad_stock_held"),
        ({"status": "paid", "commission": "paid_out"}, "order.bad_commission"),
        ({"status": "cancelled", "commission": "pending"}, "order.bad_commission"),
    ],
)
def test_impossible_states_are_refused(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        OrderState(**kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_unknown_event_status_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        order_transition(None, event("shipped"))
    assert caught.value.code == "order.unknown_status"


# --- every ordering ---------------------------------------------------------------------


@dataclass
class Ledger:
    """What a caller would store while applying transitions."""

    attributed: bool
    confirm_before_reversal: bool
    state: OrderState | None = None
    stock: int = 100
    commissions_created: int = 0
    commissions_cancelled: int = 0
    negative_adjustments: int = 0
    changes: int = 0
    actions: list[str] = field(default_factory=list)

    def apply(self, incoming: OrderEvent) -> Transition:
        current = self.state
        if current is not None and current.commission == "pending" and self.confirm_before_reversal:
            # The refund window closed before this event arrived.
            current = replace(current, commission="confirmed")
        step = order_transition(current, incoming)
        if not step.changed:
            assert step.stock_delta == 0 and step.commission_action is None
            return step
        self.changes += 1
        self.stock += step.stock_delta
        new_state = step.state
        if step.commission_action == "create":
            if self.attributed:
                self.commissions_created += 1
            else:
                new_state = replace(new_state, commission=None)
        elif step.commission_action == "cancel":
            self.commissions_cancelled += 1
        elif step.commission_action == "negative_adjustment":
            self.negative_adjustments += 1
        if step.commission_action:
            self.actions.append(step.commission_action)
        self.state = new_state
        return step


SEQUENCES = [
    sequence
    for length in range(1, 5)  # all 120 sequences of up to four events
    for sequence in itertools.product(STATUSES, repeat=length)
]


def expected_final_status(sequence: tuple[str, ...]) -> str:
    """First terminal event wins; otherwise the order stays paid."""
    if sequence[0] != "paid":
        return sequence[0]
    return next((status for status in sequence if status != "paid"), "paid")


@pytest.mark.parametrize("confirm_before_reversal", [False, True])
@pytest.mark.parametrize("attributed", [True, False])
@pytest.mark.parametrize("sequence", SEQUENCES, ids="-".join)
def test_every_ordering_applies_each_effect_once(
    sequence: tuple[str, ...], attributed: bool, confirm_before_reversal: bool
) -> None:
    ledger = Ledger(attributed=attributed, confirm_before_reversal=confirm_before_reversal)
    for status in sequence:
        ledger.apply(event(status))
    final = expected_final_status(sequence)
    assert ledger.state is not None and ledger.state.status == final

    paid_first = sequence[0] == "paid"
    reversed_after_paid = paid_first and final != "paid"
    # Stock: taken only while the order stands as paid; never taken twice.
    assert ledger.stock == (100 - QUANTITY if final == "paid" else 100)
    assert ledger.state.stock_held == (QUANTITY if final == "paid" else 0)
    # Status changes: the first event, plus one reversal of a paid order.
    assert ledger.changes == 1 + reversed_after_paid
    # Commission: created at most once, reversed at most once, only if it existed.
    assert ledger.commissions_created == (1 if paid_first and attributed else 0)
    reversals = ledger.commissions_cancelled + ledger.negative_adjustments
    assert reversals == (1 if reversed_after_paid and attributed else 0)
    if reversals:
        kind = "negative_adjustment" if confirm_before_reversal else "cancel"
        assert ledger.actions == ["create", kind]
    live = ledger.commissions_created - reversals
    assert live == (1 if final == "paid" and attributed else 0)


@pytest.mark.parametrize("sequence", SEQUENCES, ids="-".join)
def test_redelivering_any_event_after_any_history_changes_nothing(
    sequence: tuple[str, ...],
) -> None:
    ledger = Ledger(attributed=True, confirm_before_reversal=False)
    for status in sequence:
        ledger.apply(event(status))
    for status in sequence:
        assert not ledger.apply(event(status)).changed


@pytest.mark.parametrize("permutation", list(itertools.permutations(STATUSES)), ids="-".join)
def test_each_permutation_of_the_three_statuses(permutation: tuple[str, ...]) -> None:
    ledger = Ledger(attributed=True, confirm_before_reversal=False)
    steps = [ledger.apply(event(status)) for status in permutation]
    assert steps[0].changed
    if permutation[0] == "paid":
        # paid then the first reversal applies; the other reversal is stale.
        assert [s.changed for s in steps] == [True, True, False]
        assert ledger.state == OrderState(permutation[1])  # type: ignore[arg-type]
        assert ledger.actions == ["create", "cancel"]
    else:
        assert [s.changed for s in steps] == [True, False, False]
        assert ledger.state == OrderState(permutation[0])  # type: ignore[arg-type]
        assert ledger.actions == []
    assert ledger.stock == 100
