"""Reading a partner's order API (the Taobao Alliance style): windows, signatures, orders, statuses.

The partner lists orders by creation time in windows of at most a few hours (fewer minutes during a
big sale), page by page, with times in Beijing time and money as yuan strings. These are the pure
rules of the pull side; the HTTP client and the polling job are in bot/orders/pull.py. The wire
format is in docs/partner-api.md ("Pull").

- `next_window`: the window to ask for next, from a stored cursor, with an overlap backwards so an
  order the partner files a little late is still seen, and never reaching into the last minutes,
  which the partner may not have finished writing.
- `signed_query`: the request's parameters with their HMAC-SHA256 ``sign``.
- `read_order`: one order of an answer, validated field by field (DomainError naming the field).
- `order_event`: that order as Vitrine's order status machine reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.errors import DomainError
from bot.domain.orders import OrderEvent, OrderStatus
from bot.domain.webhooks import MAX_AMOUNT_FEN, MAX_QUANTITY

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
PARTNER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# The partner's tk_status codes.
TK_PAID = 12
TK_CLOSED = 13
TK_RECEIVED = 14
TK_SETTLED = 3
TK_STATUSES = frozenset({TK_PAID, TK_CLOSED, TK_RECEIVED, TK_SETTLED})

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_YUAN = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?\Z")


@dataclass(frozen=True)
class Window:
    """Orders created in [start, end), both UTC."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def next_window(
    cursor: datetime,
    now: datetime,
    *,
    length: timedelta,
    overlap: timedelta,
    settle_lag: timedelta,
) -> Window | None:
    """The window after `cursor`: from `cursor - overlap`, at most `length`, ending by `now - lag`.

    None when nothing new can be asked yet (the cursor is already within `settle_lag` of now).
    After a window is read the cursor moves to its end; the overlap re-reads the window's last
    minutes next time, which costs a few duplicates the idempotent apply ignores.
    """
    if length <= timedelta(0) or overlap < timedelta(0) or overlap >= length:
        raise DomainError("pull.bad_window", length=str(length), overlap=str(overlap))
    latest = now - settle_lag
    if cursor >= latest:
        return None
    start = cursor - overlap
    return Window(start, min(start + length, latest))


def to_partner_time(moment: datetime) -> str:
    """A UTC instant as the partner writes it: Beijing time, to the second."""
    return moment.astimezone(BEIJING).strftime(PARTNER_TIME_FORMAT)


def from_partner_time(text: object, field: str) -> datetime:
    """The partner's Beijing-time text as a UTC instant (DomainError naming `field`)."""
    if not isinstance(text, str) or len(text) != 19:
        raise _invalid(field, "not_a_time")
    try:
        local = datetime.strptime(text, PARTNER_TIME_FORMAT)
    except ValueError:
        raise _invalid(field, "not_a_time") from None
    return local.replace(tzinfo=BEIJING).astimezone(UTC)


def yuan_to_fen(text: object, field: str) -> int:
    """ "129.5" -> 12950; exact (Decimal), refusing anything but a plain decimal string."""
    if not isinstance(text, str) or not _YUAN.match(text):
        raise _invalid(field, "not_yuan")
    try:
        fen = Decimal(text) * 100
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise _invalid(field, "not_yuan") from None
    return int(fen)


def percent_to_bp(text: object, field: str) -> int:
    """ "15.00" (percent) -> 1500 basis points."""
    fen = yuan_to_fen(text, field)  # the same shape: up to two decimals
    if not 0 <= fen <= 100_00:
        raise _invalid(field, "out_of_range")
    return fen


def canonical_string(params: Mapping[str, str]) -> str:
    """Every parameter but ``sign``, sorted by name, as ``name=value`` joined by ``&``."""
    return "&".join(f"{name}={params[name]}" for name in sorted(params) if name != "sign")


def sign_params(params: Mapping[str, str], app_secret: str) -> str:
    """The lowercase hex HMAC-SHA256 of the canonical string, keyed with the app secret."""
    message = canonical_string(params).encode()
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def signed_query(
    *,
    app_key: str,
    app_secret: str,
    window: Window,
    page_no: int,
    page_size: int,
    now: datetime,
) -> dict[str, str]:
    """The query parameters of one page request, signed."""
    params = {
        "app_key": app_key,
        "timestamp": str(int(now.timestamp())),
        "start_time": to_partner_time(window.start),
        "end_time": to_partner_time(window.end),
        "page_no": str(page_no),
        "page_size": str(page_size),
    }
    params["sign"] = sign_params(params, app_secret)
    return params


@dataclass(frozen=True)
class PartnerOrder:
    """One order as the partner reports it, validated; money in fen, times in UTC."""

    trade_id: str
    tk_status: int
    refunded: bool
    item_id: str
    item_num: int
    amount_fen: int
    sub_id: str | None
    shop_id: str
    rate_bp: int
    estimated_commission_fen: int
    settled_commission_fen: int | None
    created_at: datetime
    paid_at: datetime | None
    settled_at: datetime | None
    modified_at: datetime

    @property
    def status(self) -> OrderStatus:
        """The status Vitrine's order machine knows: received and settled orders are paid."""
        if self.tk_status == TK_CLOSED:
            return "refunded" if self.refunded else "cancelled"
        return "paid"

    @property
    def settled(self) -> bool:
        return self.tk_status == TK_SETTLED

    @property
    def partner_commission_fen(self) -> int:
        """What the partner says the publisher earns: settled if settled, else its estimate."""
        if self.settled_commission_fen is not None:
            return self.settled_commission_fen
        return self.estimated_commission_fen


def read_order(document: object) -> PartnerOrder:
    """Validate one order object of an answer (DomainError("pull.bad_order", field, reason))."""
    if not isinstance(document, Mapping):
        raise _invalid("$", "not_object")
    tk_status = _int(document, "tk_status", 0, 99)
    if tk_status not in TK_STATUSES:
        raise _invalid("tk_status", "unknown")
    refund_tag = _int(document, "refund_tag", 0, 1)
    settled_fee = document.get("pub_share_fee")
    return PartnerOrder(
        trade_id=_id(document, "trade_id"),
        tk_status=tk_status,
        refunded=tk_status == TK_CLOSED and refund_tag == 1,
        item_id=_id(document, "item_id"),
        item_num=_int(document, "item_num", 1, MAX_QUANTITY),
        amount_fen=_amount(document, "alipay_total_price"),
        sub_id=_optional_id(document, "sub_id"),
        shop_id=_id(document, "shop_id"),
        rate_bp=percent_to_bp(document.get("total_commission_rate"), "total_commission_rate"),
        estimated_commission_fen=_amount(document, "pub_share_pre_fee"),
        settled_commission_fen=(
            None if settled_fee is None else _amount(document, "pub_share_fee")
        ),
        created_at=from_partner_time(document.get("tk_create_time"), "tk_create_time"),
        paid_at=_optional_time(document, "tk_paid_time"),
        settled_at=_optional_time(document, "tk_earning_time"),
        modified_at=from_partner_time(document.get("modified_time"), "modified_time"),
    )


def order_event(order: PartnerOrder) -> OrderEvent:
    """The order as the status machine applies it; it happened when the partner last changed it."""
    return OrderEvent(
        order_id=order.trade_id,
        status=order.status,
        partner_item_id=order.item_id,
        click_id=order.sub_id,
        quantity=order.item_num,
        amount_fen=order.amount_fen,
        currency="CNY",
        # A paid order happened when it was paid: that is what the attribution window measures.
        occurred_at=order.paid_at or order.created_at
        if order.status == "paid"
        else order.modified_at,
    )


def receipt_id(partner_key: str, order: PartnerOrder) -> str:
    """The one idempotency key of a pulled order event: platform, order id and the status it moves to.

    Settled is its own step (it confirms the commission), so it has its own receipt.
    """
    step = "settled" if order.settled else order.status
    return f"pull:{partner_key}:{order.trade_id}:{step}"


def _invalid(field: str, reason: str) -> DomainError:
    return DomainError("pull.bad_order", field=field, reason=reason)


def _id(document: Mapping[str, Any], field: str) -> str:
    value = document.get(field)
    if not isinstance(value, str) or not _ID.match(value):
        raise _invalid(field, "not_an_id")
    return value


def _optional_id(document: Mapping[str, Any], field: str) -> str | None:
    return None if document.get(field) in (None, "") else _id(document, field)


def _int(document: Mapping[str, Any], field: str, low: int, high: int) -> int:
    value = document.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(field, "out_of_range")
    return value


def _amount(document: Mapping[str, Any], field: str) -> int:
    fen = yuan_to_fen(document.get(field), field)
    if not 0 <= fen <= MAX_AMOUNT_FEN:
        raise _invalid(field, "out_of_range")
    return fen


def _optional_time(document: Mapping[str, Any], field: str) -> datetime | None:
    value = document.get(field)
    return None if value in (None, "") else from_partner_time(value, field)
