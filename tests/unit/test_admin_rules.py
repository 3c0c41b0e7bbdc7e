"""The admin services' pure rules: which kinds can be suspended, typed reasons, notice keys."""

from __future__ import annotations

import pytest

from bot.admin.notices import DEDUP_KEY_CHARS, notice_key
from bot.admin.reasons import MAX_REASON_CHARS, clean_reason
from bot.admin.suspensions import is_suspended
from bot.admin.targets import SUSPENDABLE, suspend_kind
from bot.domain.errors import DomainError


def test_only_experts_merchants_and_items_can_be_suspended() -> None:
    assert tuple(suspend_kind(kind) for kind in SUSPENDABLE) == ("expert", "merchant", "item")
    for other in ("report", "fan", "", "ITEM", "item "):
        with pytest.raises(DomainError) as refused:
            suspend_kind(other)
        assert refused.value.code == "admin.bad_target"


def test_a_reason_is_trimmed_and_must_be_there_and_short_enough() -> None:
    assert clean_reason("  Fake\n reviews.  ") == "Fake reviews."
    with pytest.raises(DomainError) as empty:
        clean_reason(" \n ")
    assert empty.value.code == "admin.reason_empty"
    assert clean_reason("x" * MAX_REASON_CHARS) == "x" * MAX_REASON_CHARS
    with pytest.raises(DomainError) as long:
        clean_reason("x" * (MAX_REASON_CHARS + 1))
    assert long.value.code == "admin.reason_too_long"


def test_a_notice_key_is_stable_and_fits_the_column() -> None:
    assert notice_key("item_report", 7, "report:3") == "item_report:7:report:3"
    assert notice_key("item_report", 7, "report:3") == notice_key("item_report", 7, "report:3")
    assert notice_key("item_report", 7, "report:3") != notice_key("item_report", 8, "report:3")
    long_event = "e" * 300
    key = notice_key("suspension_notice", 7, long_event)
    assert len(key) <= DEDUP_KEY_CHARS and key == notice_key("suspension_notice", 7, long_event)
    assert key != notice_key("suspension_notice", 7, long_event + "!")


def test_suspended_reads_the_same_for_accounts_and_items() -> None:
    assert is_suspended("suspended")
    assert not any(is_suspended(s) for s in ("verified", "pending", "listed", "delisted"))
