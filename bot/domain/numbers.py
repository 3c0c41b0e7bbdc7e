"""Numbers from outside (inline offsets, typed ids, chat ids): read only within their range.

Every number a person or client sends is read here or by a parser of its own with a bound
(callback data: bot/domain/callbacks/codec.py; prices and stock: bot/domain/money.py; order
callbacks: bot/domain/webhooks.py). Python's `int()` reads any length, "²" passes `isdigit()`
and breaks `int()`, and SQLite's integers end at 2**63 - 1, so a bare `int(text)` is never enough.
"""

from __future__ import annotations

import re

# Ids stay exact in every JSON client (the callback codec's bound too).
MAX_ID = 2**53 - 1

_WHOLE = re.compile(r"0|[1-9][0-9]{0,15}")


def whole_number(text: str, *, high: int, low: int = 0) -> int | None:
    """`text` as a whole number in low..high, written in ASCII digits without sign or padding;
    None for anything else (other scripts' digits, "²", signs, spaces, too many digits)."""
    if not _WHOLE.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def group_chat_id(text: str) -> int | None:
    """A Telegram group or channel id as typed ("-1001234567890"), or None.

    Group ids are negative and, like every Telegram id, fit in 52 bits (well inside MAX_ID).
    """
    digits = text.strip().removeprefix("-")
    if digits == text.strip():
        return None
    number = whole_number(digits, low=1, high=MAX_ID)
    return -number if number is not None else None
