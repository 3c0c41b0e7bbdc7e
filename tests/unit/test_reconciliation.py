"""Reconciliation: the two commissions side by side, and the first reason that explains them."""

from __future__ import annotations

import pytest

from bot.domain.reconciliation import OurSide, PartnerSide, reconcile

OURS = OurSide(
    amount_fen=10_000,
    status="paid",
    click_known=True,
    attributed=True,
    rate_bp=1500,
    commission_fen=1500,
)
THEIRS = PartnerSide(amount_fen=10_000, refunded=False, rate_bp=1500, commission_fen=1500)


def _ours(**changes: object) -> OurSide:
    return OurSide(**{**OURS.__dict__, **changes})  # type: ignore[arg-type]


def _theirs(**changes: object) -> PartnerSide:
    return PartnerSide(**{**THEIRS.__dict__, **changes})  # type: ignore[arg-type]


def test_equal_figures_are_no_mismatch() -> None:
    result = reconcile(OURS, THEIRS)
    assert result.reason is None and result.difference_fen == 0


@pytest.mark.parametrize(
    ("ours", "theirs", "reason", "difference"),
    [
        # The partner still pays on an order it refunded (it zeroes it later): 0 is what counts.
        (_ours(status="refunded", commission_fen=0), _theirs(refunded=True), None, 0),
        (_ours(), _theirs(refunded=True), "refund", -1500),
        (_ours(status="refunded", commission_fen=0), _theirs(), "refund", 1500),
        (
            _ours(click_known=False, attributed=False, rate_bp=None, commission_fen=0),
            _theirs(),
            "no_click",
            1500,
        ),
        (
            _ours(attributed=False, rate_bp=None, commission_fen=0),
            _theirs(),
            "outside_window",
            1500,
        ),
        (_ours(), _theirs(amount_fen=9_000, commission_fen=1350), "amount_changed", -150),
        (_ours(), _theirs(rate_bp=2000, commission_fen=2000), "rate_changed", 500),
        (_ours(commission_fen=1499), _theirs(), "rounding", 1),
        (_ours(commission_fen=1000), _theirs(), "unexplained", 500),
    ],
)
def test_each_difference_gets_its_reason(
    ours: OurSide, theirs: PartnerSide, reason: str | None, difference: int
) -> None:
    result = reconcile(ours, theirs)
    assert (result.reason, result.difference_fen) == (reason, difference)


def test_the_csv_has_both_figures_and_the_reason_and_defuses_formulas() -> None:
    from datetime import UTC, datetime

    from bot.analytics.export import parse_csv
    from bot.orders.reconcile import reconciled, reconciliation_csv, totals
    from storage.repositories.partner_pull import ReportRow

    row = ReportRow(
        partner_key="taobao",
        partner_order_id="TB-1",
        merchant_name="=HYPERLINK(1)",
        expert_id=1,
        partner_refunded=False,
        partner_amount_fen=10_000,
        partner_rate_bp=2000,
        partner_commission_fen=2000,
        settled=True,
        our_status="paid",
        our_amount_fen=10_000,
        click_known=True,
        attributed=True,
        our_rate_bp=1500,
        our_commission_fen=1500,
        modified_at=datetime(2026, 12, 2, 4, 0, tzinfo=UTC),
    )
    order = reconciled(row)
    (line,) = parse_csv(reconciliation_csv([order], UTC))
    assert line["reason"] == "rate_changed" and line["difference_yuan"] == "5.00"
    assert (line["our_commission_yuan"], line["partner_commission_yuan"]) == ("15.00", "20.00")
    assert (line["our_rate_percent"], line["partner_rate_percent"]) == ("15.00", "20.00")
    assert line["shop"] == "'=HYPERLINK(1)" and line["partner_settled"] == "1"
    assert [(t.reason, t.orders, t.difference_fen) for t in totals([order])] == [
        ("rate_changed", 1, 500)
    ]
