"""Numbers from outside: ASCII digits within their range, everything else None."""

from __future__ import annotations

import pytest

from bot.domain.numbers import MAX_ID, group_chat_id, whole_number


@pytest.mark.parametrize(
    "text", ["", "-1", "+1", " 1", "1 ", "01", "²", "１２", "1٣", "1e3", "0x10", "1_000", "9" * 17]
)
def test_anything_but_plain_ascii_digits_is_refused(text: str) -> None:
    assert whole_number(text, high=10**18) is None


def test_the_range_is_inclusive_and_enforced() -> None:
    assert whole_number("0", high=5) == 0
    assert whole_number("5", high=5) == 5
    assert whole_number("6", high=5) is None
    assert whole_number("0", low=1, high=5) is None
    assert whole_number("99999999999999999999999", high=2**63 - 1) is None


def test_group_chat_ids() -> None:
    assert group_chat_id("-1001234567890") == -1001234567890
    assert group_chat_id(" -42 ") == -42
    assert group_chat_id(f"-{MAX_ID}") == -MAX_ID
    for text in ("42", "-0", "--42", "-", f"-{MAX_ID + 1}", "-99999999999999999999999", "-４２"):
        assert group_chat_id(text) is None, text
