"""Commission rules: amounts, attribution window, pending/confirmed, refunds, rate in force.

Money is integer fen and rates are basis points (1 bp = 0.01 %), so nothing here touches
floats. Times are either unix seconds (``int``) or timezone-aware ``datetime``s; naive
datetimes are refused because SQLite hands them back and comparing them with aware ones
silently means "some time zone".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.domain.errors import DomainError

BASIS_POINTS = 10_000
MAX_AMOUNT_FEN = 10**10

CommissionStatus = Literal["pending", "confirmed"]
RefundEffect = Literal["cancel", "negative_adjustment"]
Instant = datetime | int


def _unix(value: Instant, name: str) -> int:
    """Return ``value`` as unix seconds, refusing naive datetimes and bools."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise DomainError("time.naive", field=name)
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("time.invalid", field=name)
    return value


def _non_negative_int(value: object, name: str) -> int:
    """Return ``value`` if it is a non-negative int (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError("commission.invalid_argument", field=name)
    return value


def validate_rate_bp(rate_bp: object) -> int:
    """Return ``rate_bp`` if it is an int in 0..10000, else raise ``commission.bad_rate``."""
    if (
        isinstance(rate_bp, bool)
        or not isinstance(rate_bp, int)
        or not 0 <= rate_bp <= BASIS_POINTS
    ):
        raise DomainError("commission.bad_rate", rate_bp=rate_bp)
    return rate_bp


def commission_fen(amount_fen: int, rate_bp: int) -> int:
    """Return the commission on ``amount_fen`` at ``rate_bp``, rounded down to a whole fen."""
    amount = _non_negative_int(amount_fen, "amount_fen")
    if amount > MAX_AMOUNT_FEN:
        raise DomainError("commission.invalid_argument", field="amount_fen")
    return amount * validate_rate_bp(rate_bp) // BASIS_POINTS


def attribute(click_time: Instant, order_time: Instant, window_seconds: int) -> bool:
    """Return True when the click came no later than the order and within ``window_seconds``."""
    window = _non_negative_int(window_seconds, "window_seconds")
    click = _unix(click_time, "click_time")
    order = _unix(order_time, "order_time")
    # The same second counts as "before": our clicks are logged in whole seconds.
    return 0 <= order - click <= window


def commission_status(
    created_at: Instant, now: Instant, refund_window_seconds: int
) -> CommissionStatus:
    """Return "pending" until the refund window has fully elapsed, then "confirmed"."""
    window = _non_negative_int(refund_window_seconds, "refund_window_seconds")
    elapsed = _unix(now, "now") - _unix(created_at, "created_at")
    return "confirmed" if elapsed >= window else "pending"


def refund_effect(status: str) -> RefundEffect:
    """Return how a refund reverses a commission: cancel a pending one, adjust a confirmed one."""
    if status == "pending":
        return "cancel"
    if status == "confirmed":
        # Confirmed commissions may already be paid out: history is never edited.
        return "negative_adjustment"
    raise DomainError("commission.unknown_status", status=status)


@dataclass(frozen=True)
class AgreementTerm:
    """One commission rate of one merchant: a default (expert_id None) or for one expert.

    ``accepted_at`` is when the term took effect (None while proposed or if declined);
    ``superseded_at`` is when a later term replaced it (None while still current).
    """

    expert_id: int | None
    rate_bp: int
    accepted_at: datetime | None
    superseded_at: datetime | None = None

    def __post_init__(self) -> None:
        validate_rate_bp(self.rate_bp)
        for name in ("accepted_at", "superseded_at"):
            value = getattr(self, name)
            if value is not None:
                _unix(value, name)

    def in_force_at(self, at: datetime) -> bool:
        """Return True when this term was accepted by ``at`` and not yet superseded at ``at``."""
        if self.accepted_at is None or self.accepted_at > at:
            return False
        return self.superseded_at is None or self.superseded_at > at


def rate_in_force(agreements: Sequence[AgreementTerm], expert_id: int, at: datetime) -> int | None:
    """Return the rate (bp) one merchant's terms give ``expert_id`` at ``at``, or None.

    A term for this expert beats the merchant's default; among several in force the most
    recently accepted wins (later in the list on a tie).
    """
    _unix(at, "at")
    for wanted in (expert_id, None):
        best: tuple[datetime, int, AgreementTerm] | None = None
        for index, term in enumerate(agreements):
            if term.expert_id != wanted or not term.in_force_at(at):
                continue
            assert term.accepted_at is not None  # in_force_at guarantees it
            key = (term.accepted_at, index, term)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is not None:
            return best[2].rate_bp
    return None
