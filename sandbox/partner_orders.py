"""A partner platform's order as it reports it: statuses, money in fen shown as yuan, Beijing time.

Modelled on Taobao Alliance's taobao.tbk.order.details.get. tk_status: 12 paid, 14 received,
3 settled, 13 closed — with refund_tag 1 when the order was refunded after payment, 0 when it was
never paid. Money is kept in fen (ints) and rendered as yuan strings with two decimals; times are
unix seconds, rendered in Beijing time (UTC+8) as "YYYY-MM-DD HH:MM:SS".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

PAID = 12
CLOSED = 13
RECEIVED = 14
SETTLED = 3

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
TRADE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
TEXT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PRICE_FEN = 10_000_000_000
MAX_ITEM_NUM = 10_000
MAX_RATE_BP = 10_000
# Moments the partner can date: 1970 to 2100 (a datetime far outside fails to render).
EARLIEST = 0.0
LATEST = 4_102_444_800.0


class BookError(ValueError):
    """A change the partner would refuse; `code` says which (unknown_order, duplicate_order,
    bad_transition, bad_value)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def yuan(fen: int) -> str:
    """Render fen as a yuan string with two decimals and no separators: 12900 -> "129.00"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def percent(rate_bp: int) -> str:
    """Render basis points as a percent string with two decimals: 1500 -> "15.00"."""
    whole, hundredths = divmod(rate_bp, 100)
    return f"{whole}.{hundredths:02d}"


def estimated_commission_fen(total_fen: int, rate_bp: int) -> int:
    """The publisher's commission in fen: total_fen * rate_bp / 10000, rounded half up.

    Half up (0.5 fen -> 1 fen), not Python's round() (half to even), and in integers so no float
    ever touches money: 12900 fen at 1500 bp is exactly 1935 fen; 333 fen at 1500 bp is 49.95 fen,
    so 50 fen; 10 fen at 50 bp is 0.05 fen, so 0.
    """
    return (total_fen * rate_bp + 5_000) // 10_000


def beijing_time(at: float) -> str:
    """Render unix seconds as Beijing time, "YYYY-MM-DD HH:MM:SS" (fractions dropped)."""
    return datetime.fromtimestamp(int(at), BEIJING).strftime(TIME_FORMAT)


def parse_beijing_time(text: str) -> float:
    """Read "YYYY-MM-DD HH:MM:SS" in Beijing time as unix seconds; ValueError if it is not one."""
    if not TIME_TEXT.fullmatch(text):
        raise ValueError(f"not YYYY-MM-DD HH:MM:SS: {text[:32]!r}")
    at = datetime.strptime(text, TIME_FORMAT).replace(tzinfo=BEIJING).timestamp()
    if not is_datable(at):
        raise ValueError("before 1970 or after 2099")
    return at


def is_datable(at: object) -> bool:
    """Say whether `at` is unix seconds from 1970 to 2099 (what the partner can date)."""
    return isinstance(at, int | float) and not isinstance(at, bool) and EARLIEST <= at < LATEST


@dataclass(frozen=True)
class PartnerOrder:
    """One order as the partner knows it. `price_fen` is the unit price; times are unix seconds."""

    trade_id: str
    item_id: str
    item_num: int
    price_fen: int
    sub_id: str | None
    shop_id: str
    commission_rate_bp: int
    created_at: float
    paid_at: float | None
    modified_at: float
    status: int = PAID
    refund_tag: int = 0
    earning_at: float | None = None

    @property
    def total_fen(self) -> int:
        """What the buyer paid: unit price times quantity."""
        return self.price_fen * self.item_num

    @property
    def commission_fen(self) -> int:
        """The partner's estimated commission for the publisher (see estimated_commission_fen)."""
        return estimated_commission_fen(self.total_fen, self.commission_rate_bp)

    def as_json(self) -> dict[str, Any]:
        """The order as the order-details API reports it (see the pull contract's ORDER)."""
        return {
            "trade_id": self.trade_id,
            "tk_status": self.status,
            "refund_tag": self.refund_tag,
            "item_id": self.item_id,
            "item_num": self.item_num,
            "alipay_total_price": yuan(self.total_fen),
            "sub_id": self.sub_id,
            "shop_id": self.shop_id,
            "total_commission_rate": percent(self.commission_rate_bp),
            "pub_share_pre_fee": yuan(self.commission_fen),
            "pub_share_fee": yuan(self.commission_fen) if self.status == SETTLED else None,
            "tk_create_time": beijing_time(self.created_at),
            "tk_paid_time": beijing_time(self.paid_at) if self.paid_at is not None else None,
            "tk_earning_time": (
                beijing_time(self.earning_at) if self.earning_at is not None else None
            ),
            "modified_time": beijing_time(self.modified_at),
        }


def window_order(order: PartnerOrder) -> tuple[float, str]:
    """The order orders are reported in: creation time, then trade id."""
    return (order.created_at, order.trade_id)


def is_int(value: object) -> bool:
    """Say whether `value` is an int and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_order_values(
    trade_id: str, item_id: str, item_num: int, price_fen: int, sub_id: str | None, shop_id: str
) -> None:
    """Refuse values a real partner would never report (BookError bad_value)."""
    if not isinstance(trade_id, str) or not TRADE_ID.fullmatch(trade_id):
        raise BookError("bad_value", "trade_id must be 1-64 of A-Z a-z 0-9 _ -")
    for name, value in (("item_id", item_id), ("shop_id", shop_id)):
        if not isinstance(value, str) or not TEXT_ID.fullmatch(value):
            raise BookError("bad_value", f"{name} must be 1-64 of A-Z a-z 0-9 _ -")
    if sub_id is not None and (not isinstance(sub_id, str) or not TEXT_ID.fullmatch(sub_id)):
        raise BookError("bad_value", "sub_id must be null or 1-64 of A-Z a-z 0-9 _ -")
    if not is_int(item_num) or not 1 <= item_num <= MAX_ITEM_NUM:
        raise BookError("bad_value", f"item_num must be an integer from 1 to {MAX_ITEM_NUM}")
    if not is_int(price_fen) or not 0 < price_fen <= MAX_PRICE_FEN:
        raise BookError("bad_value", f"price_fen must be an integer from 1 to {MAX_PRICE_FEN}")
