"""Commission amounts, attribution window, pending/confirmed, refunds and the rate in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.domain.commissions import (
    AgreementTerm,
    attribute,
    commission_fen,
    commission_status,
    rate_in_force,
    refund_effect,
)
from bot.domain.errors import DomainError

DAY = 86400
WEEK = 7 * DAY
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


# --- commission_fen ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (10000, 500, 500),  # 5 % of ¥100
        (25980, 1000, 2598),
        (999, 1000, 99),  # 99.9 floors to 99
        (1, 9999, 0),
        (9999, 1, 0),
        (10000, 1, 1),
        (19999, 1, 1),
        (0, 2500, 0),
        (12345, 0, 0),
        (12345, 10000, 12345),
        (10**10, 10000, 10**10),
        (10**10, 3333, 3_333_000_000),
        (333, 3333, 110),  # 110.9889 floors
    ],
)
def test_commission_is_floor_of_amount_times_rate(amount: int, rate: int, expected: int) -> None:
    assert commission_fen(amount, rate) == expected


def test_commission_never_exceeds_the_exact_value_nor_falls_a_fen_short() -> None:
    for amount in range(0, 3000, 7):
        for rate in (1, 33, 250, 1234, 5000, 9999):
            result = commission_fen(amount, rate)
            assert result * 10000 <= amount * rate < (result + 1) * 10000


@pytest.mark.parametrize("rate", [-1, 10001, 1.5, "500", None, True])
def test_bad_rates_are_refused(rate: object) -> None:
    with pytest.raises(DomainError) as caught:
        commission_fen(1000, rate)  # type: ignore[arg-type]
    assert caught.value.code == "commission.bad_rate"


@pytest.mark.parametrize("amount", [-1, 10.0, "100", None, False, 10**10 + 1])
def test_bad_amounts_are_refused(amount: object) -> None:
    with pytest.raises(DomainError) as caught:
        commission_fen(amount, 500)  # type: ignore[arg-type]
    assert caught.value.code == "commission.invalid_argument"


# --- attribution ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("click", "order", "expected"),
    [
        (1000, 1000, True),  # same second
        (1000, 1001, True),
        (1000, 1000 + WEEK, True),  # window edge, inclusive
        (1000, 1000 + WEEK + 1, False),
        (1001, 1000, False),  # click after the order
        (1000 + WEEK, 1000, False),
    ],
)
def test_attribution_with_unix_seconds(click: int, order: int, expected: bool) -> None:
    assert attribute(click, order, WEEK) is expected


def test_attribution_with_datetimes_across_time_zones() -> None:
    shanghai = timezone(timedelta(hours=8))
    click = datetime(2025, 3, 1, 20, 0, tzinfo=shanghai)  # 12:00 UTC
    assert attribute(click, T0, WEEK)
    assert attribute(click, T0 + timedelta(days=7), WEEK)
    assert not attribute(click, T0 + timedelta(days=7, seconds=1), WEEK)
    assert not attribute(click, T0 - timedelta(seconds=1), WEEK)


def test_zero_window_attributes_only_the_same_second() -> None:
    assert attribute(50, 50, 0)
    assert not attribute(50, 51, 0)


@pytest.mark.parametrize(
    ("click", "order", "window"),
    [
        (datetime(2025, 3, 1), T0, WEEK),  # naive
        (T0, datetime(2025, 3, 1), WEEK),
        (1.5, 2, WEEK),
        (True, 2, WEEK),
        (1, 2, -1),
    ],
)
def test_attribution_refuses_ambiguous_inputs(click: object, order: object, window: int) -> None:
    with pytest.raises(DomainError):
        attribute(click, order, window)  # type: ignore[arg-type]


# --- pending / confirmed / refunds ------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (0, "pending"),
        (15 * DAY - 1, "pending"),
        (15 * DAY, "confirmed"),  # the window has closed
        (15 * DAY + 1, "confirmed"),
        (-5, "pending"),  # clock skew never confirms early
    ],
)
def test_commission_status_follows_the_refund_window(elapsed: int, expected: str) -> None:
    assert commission_status(1_000_000, 1_000_000 + elapsed, 15 * DAY) == expected
    created = T0
    assert commission_status(created, created + timedelta(seconds=elapsed), 15 * DAY) == expected


def test_refund_effect() -> None:
    assert refund_effect("pending") == "cancel"
    assert refund_effect("confirmed") == "negative_adjustment"
    with pytest.raises(DomainError) as caught:
        refund_effect("cancelled")
    assert caught.value.code == "commission.unknown_status"


def test_refund_effect_of_a_commission_over_time() -> None:
    created = 1_000_000
    window = 15 * DAY
    before = commission_status(created, created + window - 1, window)
    after = commission_status(created, created + window, window)
    assert refund_effect(before) == "cancel"
    assert refund_effect(after) == "negative_adjustment"


# --- the rate in force ------------------------------------------------------------------


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


EXPERT = 7
OTHER_EXPERT = 8


def test_no_terms_means_no_rate() -> None:
    assert rate_in_force([], EXPERT, at(0)) is None


def test_merchant_default_applies_when_no_expert_term() -> None:
    terms = [AgreementTerm(None, 500, accepted_at=at(-10))]
    assert rate_in_force(terms, EXPERT, at(0)) == 500


def test_expert_term_beats_the_default_even_if_older() -> None:
    terms = [
        AgreementTerm(EXPERT, 800, accepted_at=at(-20)),
        AgreementTerm(None, 500, accepted_at=at(-1)),
    ]
    assert rate_in_force(terms, EXPERT, at(0)) == 800
    assert rate_in_force(terms, OTHER_EXPERT, at(0)) == 500


def test_terms_not_yet_accepted_or_declined_do_not_count() -> None:
    terms = [
        AgreementTerm(None, 500, accepted_at=at(-10)),
        AgreementTerm(EXPERT, 900, accepted_at=None),  # proposed or declined
    ]
    assert rate_in_force(terms, EXPERT, at(0)) == 500


def test_term_accepted_after_the_click_does_not_apply() -> None:
    terms = [
        AgreementTerm(None, 500, accepted_at=at(-10)),
        AgreementTerm(EXPERT, 900, accepted_at=at(1)),
    ]
    assert rate_in_force(terms, EXPERT, at(0)) == 500
    assert rate_in_force(terms, EXPERT, at(1)) == 900  # accepted_at <= at is in force


def test_the_rate_in_force_at_click_time_survives_later_changes() -> None:
    terms = [
        AgreementTerm(EXPERT, 600, accepted_at=at(-30), superseded_at=at(-5)),
        AgreementTerm(EXPERT, 750, accepted_at=at(-5), superseded_at=at(5)),
        AgreementTerm(EXPERT, 400, accepted_at=at(5)),
    ]
    assert rate_in_force(terms, EXPERT, at(-31)) is None
    assert rate_in_force(terms, EXPERT, at(-30)) == 600
    assert rate_in_force(terms, EXPERT, at(-6)) == 600
    assert rate_in_force(terms, EXPERT, at(-5)) == 750  # superseded exactly then
    assert rate_in_force(terms, EXPERT, at(0)) == 750
    assert rate_in_force(terms, EXPERT, at(5)) == 400
    assert rate_in_force(terms, EXPERT, at(500)) == 400


def test_superseded_expert_term_falls_back_to_the_default() -> None:
    terms = [
        AgreementTerm(None, 300, accepted_at=at(-50)),
        AgreementTerm(EXPERT, 900, accepted_at=at(-20), superseded_at=at(-10)),
    ]
    assert rate_in_force(terms, EXPERT, at(-15)) == 900
    assert rate_in_force(terms, EXPERT, at(0)) == 300


def test_latest_accepted_wins_among_overlapping_terms() -> None:
    terms = [
        AgreementTerm(EXPERT, 100, accepted_at=at(-3)),
        AgreementTerm(EXPERT, 200, accepted_at=at(-1)),
        AgreementTerm(EXPERT, 300, accepted_at=at(-2)),
    ]
    assert rate_in_force(terms, EXPERT, at(0)) == 200


def test_tie_on_accepted_at_goes_to_the_later_entry() -> None:
    terms = [
        AgreementTerm(EXPERT, 100, accepted_at=at(-1)),
        AgreementTerm(EXPERT, 200, accepted_at=at(-1)),
    ]
    assert rate_in_force(terms, EXPERT, at(0)) == 200
    assert rate_in_force(list(reversed(terms)), EXPERT, at(0)) == 100


def test_zero_rate_is_a_rate_not_absence() -> None:
    terms = [
        AgreementTerm(None, 500, accepted_at=at(-10)),
        AgreementTerm(EXPERT, 0, accepted_at=at(-5)),
    ]
    assert rate_in_force(terms, EXPERT, at(0)) == 0


def test_other_experts_terms_are_ignored() -> None:
    terms = [AgreementTerm(OTHER_EXPERT, 900, accepted_at=at(-10))]
    assert rate_in_force(terms, EXPERT, at(0)) is None


@pytest.mark.parametrize("rate", [-1, 10001, 2.5])
def test_agreement_term_refuses_bad_rates(rate: object) -> None:
    with pytest.raises(DomainError) as caught:
        AgreementTerm(None, rate, accepted_at=at(0))  # type: ignore[arg-type]
    assert caught.value.code == "commission.bad_rate"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(DomainError) as caught:
        AgreementTerm(None, 500, accepted_at=datetime(2025, 1, 1))
    assert caught.value.code == "time.naive"
    with pytest.raises(DomainError):
        rate_in_force([], EXPERT, datetime(2025, 1, 1))
