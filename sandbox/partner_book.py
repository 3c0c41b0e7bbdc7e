"""A simulated partner platform's own order book: what its order-details API reports.

`PartnerOrderBook` is the store for one platform, in memory and thread-safe (the sandbox serves
it from a background thread while a test drives it from its own), with an injectable clock so a
test can let three days pass in a second, and `PartnerFaults`: how badly its API behaves, with
seeded dice so a fault run can be repeated. The orders themselves are sandbox/partner_orders.py.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from sandbox.partner_orders import (
    CLOSED,
    MAX_RATE_BP,
    PAID,
    RECEIVED,
    SETTLED,
    BookError,
    PartnerOrder,
    check_order_values,
    is_datable,
    is_int,
    window_order,
)

Clock = Callable[[], float]


@dataclass(frozen=True)
class PartnerFaults:
    """How badly the partner's API behaves. Rates are probabilities per call (per order for
    `duplicate_rate`); `rate_per_second` 0 means no rate limit; `seed` makes the dice repeatable."""

    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.0
    shuffle_pages: bool = False
    duplicate_rate: float = 0.0
    rate_per_second: int = 5
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "slow_rate", "duplicate_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise BookError("bad_value", f"{name} must be a number from 0 to 1")
        slow = self.slow_seconds
        if not isinstance(slow, int | float) or isinstance(slow, bool) or not 0 <= slow <= 60:
            raise BookError("bad_value", "slow_seconds must be a number from 0 to 60")
        if not isinstance(self.shuffle_pages, bool):
            raise BookError("bad_value", "shuffle_pages must be true or false")
        rate = self.rate_per_second
        if not isinstance(rate, int) or isinstance(rate, bool) or not 0 <= rate <= 10_000:
            raise BookError("bad_value", "rate_per_second must be an integer from 0 to 10000")
        seed = self.seed
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise BookError("bad_value", "seed must be an integer or null")

    def as_json(self) -> dict[str, Any]:
        """The settings as the faults sim route shows them."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


FAULT_NAMES = frozenset(f.name for f in fields(PartnerFaults))


@dataclass(frozen=True)
class OrderPage:
    """One page of a window: the orders as reported and whether a later page has more."""

    orders: list[dict[str, Any]]
    has_next: bool


class PartnerOrderBook:
    """One partner platform's orders and the publisher apps allowed to read them.

    `apps` maps app_key -> app_secret. `clock()` returns unix seconds (default time.time); every
    time the book records or checks (order times, request staleness, the big sale) comes from it.
    The rate limit alone counts real seconds (`rate_clock`, default time.monotonic): it is about
    how fast the publisher calls, not about the simulated calendar.
    """

    def __init__(
        self,
        apps: Mapping[str, str],
        *,
        clock: Clock = time.time,
        rate_clock: Clock = time.monotonic,
        faults: PartnerFaults | None = None,
    ) -> None:
        self.apps: dict[str, str] = dict(apps)
        self.clock = clock
        self.rate_clock = rate_clock
        self._lock = threading.Lock()
        self._orders: dict[str, PartnerOrder] = {}
        self._faults = faults or PartnerFaults()
        self._random = random.Random(self._faults.seed)
        self._big_sale: tuple[float, float] | None = None
        self._recent_calls: dict[str, deque[float]] = {}  # per app_key, the last second's

    # --- the partner's side of an order's life ---------------------------------------------

    def record_payment(
        self,
        trade_id: str,
        item_id: str,
        item_num: int,
        price_fen: int,
        sub_id: str | None,
        shop_id: str,
        commission_rate_bp: int,
        at: float | None = None,
    ) -> PartnerOrder:
        """A buyer paid: a new order in status 12, created and paid at `at` (default now)."""
        return self._create(
            trade_id, item_id, item_num, price_fen, sub_id, shop_id, commission_rate_bp, at, True
        )

    def close_unpaid(
        self,
        trade_id: str,
        item_id: str,
        item_num: int,
        price_fen: int,
        sub_id: str | None,
        shop_id: str,
        commission_rate_bp: int,
        at: float | None = None,
    ) -> PartnerOrder:
        """A buyer ordered and never paid: a new order closed at once (13, refund_tag 0)."""
        return self._create(
            trade_id, item_id, item_num, price_fen, sub_id, shop_id, commission_rate_bp, at, False
        )

    def refund(self, trade_id: str, at: float | None = None) -> PartnerOrder:
        """The buyer was refunded (13 + refund_tag 1): from paid, received or even settled."""
        return self._move(trade_id, (PAID, RECEIVED, SETTLED), at, status=CLOSED, refund_tag=1)

    def receive(self, trade_id: str, at: float | None = None) -> PartnerOrder:
        """The buyer confirmed receipt (14)."""
        return self._move(trade_id, (PAID,), at, status=RECEIVED)

    def settle(self, trade_id: str, at: float | None = None) -> PartnerOrder:
        """The partner settled the commission (3): pub_share_fee and tk_earning_time appear."""
        return self._move(trade_id, (PAID, RECEIVED), at, status=SETTLED, earning=True)

    def get(self, trade_id: str) -> PartnerOrder | None:
        """The order with this id, or None."""
        with self._lock:
            return self._orders.get(trade_id)

    def all_orders(self) -> list[PartnerOrder]:
        """Every order, sorted by (creation time, trade id)."""
        with self._lock:
            return sorted(self._orders.values(), key=window_order)

    # --- what the partner announces and how its API misbehaves ---------------------------

    def set_big_sale(self, start: float | None, end: float | None) -> None:
        """Announce a big sale over [start, end) (unix seconds); None, None ends the announcement."""
        if start is None and end is None:
            with self._lock:
                self._big_sale = None
            return
        if start is None or end is None or not end > start:
            raise BookError("bad_value", "a big sale needs start < end")
        with self._lock:
            self._big_sale = (float(start), float(end))

    @property
    def big_sale(self) -> tuple[float, float] | None:
        """The announced big sale as (start, end) unix seconds, or None."""
        with self._lock:
            return self._big_sale

    def set_faults(self, **changes: Any) -> PartnerFaults:
        """Change some fault settings (names of PartnerFaults); a given `seed` restarts the dice."""
        unknown = set(changes) - FAULT_NAMES
        if unknown:
            raise BookError("bad_value", f"unknown fault setting {sorted(unknown)[0]!r}")
        with self._lock:
            self._faults = replace(self._faults, **changes)
            if "seed" in changes:
                self._random = random.Random(self._faults.seed)
            return self._faults

    @property
    def faults(self) -> PartnerFaults:
        """The current fault settings."""
        with self._lock:
            return self._faults

    def max_window_seconds(self, start: float, end: float) -> int:
        """The longest window the API allows for [start, end): 3 h, or 20 min overlapping a sale."""
        sale = self.big_sale
        if sale is not None and start < sale[1] and end > sale[0]:
            return 1_200
        return 10_800

    def admit_call(self, app_key: str) -> float:
        """Count one call of `app_key` against the rate limit: 0 if admitted, else the seconds
        to wait before the next call would be (refused calls are not counted)."""
        with self._lock:
            limit = self._faults.rate_per_second
            if limit == 0:
                return 0.0
            now = self.rate_clock()
            calls = self._recent_calls.setdefault(app_key, deque())
            while calls and calls[0] <= now - 1.0:
                calls.popleft()
            if len(calls) >= limit:
                return calls[0] + 1.0 - now
            calls.append(now)
            return 0.0

    def roll_failure(self) -> bool:
        """Roll the dice for an injected 503."""
        with self._lock:
            return self._random.random() < self._faults.error_rate

    def roll_delay(self) -> float:
        """Roll the dice for a slow answer: the seconds to wait (0: answer at once)."""
        with self._lock:
            slow = self._random.random() < self._faults.slow_rate
            return self._faults.slow_seconds if slow else 0.0

    # --- the order-details query --------------------------------------------------------------

    def query(self, start: float, end: float, page_no: int, page_size: int) -> OrderPage:
        """Page `page_no` (1-based) of the orders created in [start, end), by (time, trade id).

        For an unchanged book a page is always the same set. Faults: `shuffle_pages` shuffles a
        page's order; `duplicate_rate` repeats each order of the previous page on this one with
        that probability (so a page may hold more than `page_size` orders).
        """
        with self._lock:
            in_window = sorted(
                (o for o in self._orders.values() if start <= o.created_at < end),
                key=window_order,
            )
            first = (page_no - 1) * page_size
            page = in_window[first : first + page_size]
            faults = self._faults
            if faults.duplicate_rate > 0 and page_no > 1:
                previous = in_window[max(0, first - page_size) : first]
                repeats = [o for o in previous if self._random.random() < faults.duplicate_rate]
                page = repeats + page
            if faults.shuffle_pages:
                self._random.shuffle(page)
            return OrderPage([o.as_json() for o in page], first + page_size < len(in_window))

    # --- internals ----------------------------------------------------------------------------

    def _when(self, at: float | None) -> float:
        """`at`, or now if it is None; BookError if the partner could not date it."""
        if at is None:
            return self.clock()
        if not is_datable(at):
            raise BookError("bad_value", "at must be unix seconds from 1970 to 2099")
        return float(at)

    def _create(
        self,
        trade_id: str,
        item_id: str,
        item_num: int,
        price_fen: int,
        sub_id: str | None,
        shop_id: str,
        commission_rate_bp: int,
        at: float | None,
        paid: bool,
    ) -> PartnerOrder:
        check_order_values(trade_id, item_id, item_num, price_fen, sub_id, shop_id)
        if not is_int(commission_rate_bp) or not 0 <= commission_rate_bp <= MAX_RATE_BP:
            raise BookError("bad_value", "commission_rate_bp must be an integer from 0 to 10000")
        with self._lock:
            if trade_id in self._orders:
                raise BookError("duplicate_order", f"order {trade_id} already exists")
            now = self._when(at)
            order = PartnerOrder(
                trade_id=trade_id,
                item_id=item_id,
                item_num=item_num,
                price_fen=price_fen,
                sub_id=sub_id,
                shop_id=shop_id,
                commission_rate_bp=commission_rate_bp,
                created_at=now,
                paid_at=now if paid else None,
                modified_at=now,
                status=PAID if paid else CLOSED,
            )
            self._orders[trade_id] = order
            return order

    def _move(
        self,
        trade_id: str,
        allowed_from: tuple[int, ...],
        at: float | None,
        *,
        status: int,
        refund_tag: int = 0,
        earning: bool = False,
    ) -> PartnerOrder:
        with self._lock:
            order = self._orders.get(trade_id)
            if order is None:
                raise BookError("unknown_order", f"no order {trade_id[:64]}")
            if order.status not in allowed_from or order.refund_tag:
                raise BookError("bad_transition", f"order {trade_id} is in status {order.status}")
            now = self._when(at)
            moved = replace(
                order,
                status=status,
                refund_tag=refund_tag,
                modified_at=now,
                earning_at=now if earning else order.earning_at,
            )
            self._orders[trade_id] = moved
            return moved
