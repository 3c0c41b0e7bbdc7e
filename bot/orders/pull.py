"""Pulling orders from a partner's order API: the adapter beside the push callbacks.

A partner in pull mode is asked, window by window of order creation time, for its orders
(bot/domain/partner_pull.py has the wire rules). Each order is applied through the same use case
as a push callback (`apply_order_event_in`), so one order that arrives both ways counts once: the
status machine is idempotent on (platform, order id, status), and a pulled event's receipt is that
triple. The partner's own figures are kept beside ours for reconciliation in the same unit.

Two walks per partner, each with a cursor in storage that moves only after a whole window was
applied, so a restart or a failing partner resumes where it stopped:
- ``forward`` reads new orders, from the cursor to a couple of minutes ago;
- ``recheck`` re-reads the last `recheck_days` on a slower schedule, so late refunds reverse
  commissions and settlements confirm them; caught up, it starts over from the oldest day.

A 5xx, a timeout or a 429 is retried with backoff (the 429's Retry-After honoured) and, if it
persists, ends the run with the cursor where it was. A 400 `window_too_long` shrinks the window to
what the partner allows (a big sale's 20 minutes) for the rest of the run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.config import PullPartner, PullSettings
from bot.domain.errors import DomainError
from bot.domain.orders import REPLAYED, OrderOutcome
from bot.domain.partner_pull import (
    PartnerOrder,
    Window,
    next_window,
    order_event,
    read_order,
    receipt_id,
    signed_query,
)
from bot.orders.intake import order_rules
from bot.orders.service import apply_order_event_in
from bot.services import Services
from storage.repositories import Repositories

log = logging.getLogger(__name__)

FORWARD = "forward"
RECHECK = "recheck"
MAX_ATTEMPTS = 6  # per page: five retries, then the run ends and the cursor stays
MAX_BACKOFF_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 20.0
# Orders applied per writing unit of work: fewer commits, and the write lock is still held only
# a fraction of a second, so fans' taps are not kept waiting behind a page.
ORDERS_PER_UNIT = 20

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
Announce = Callable[[OrderOutcome], Awaitable[None]]


class PartnerUnavailable(Exception):
    """The partner did not answer usefully (5xx, timeout, 429) after every retry."""


class PartnerRefused(Exception):
    """The partner refused the request (400/401/403): retrying the same request cannot help."""

    def __init__(self, status: int, code: str, detail: Mapping[str, Any]) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Page:
    """One page of a window: the orders as sent (unvalidated) and whether more follow."""

    orders: list[Any]
    has_next: bool


@dataclass
class WalkReport:
    """What one run of one walk did, for the log and the tests."""

    partner_key: str
    walk: str
    windows: int = 0
    pages: int = 0
    orders_seen: int = 0
    applied: int = 0  # changed an order: new, refunded or cancelled
    confirmed: int = 0  # commissions the partner's settlement confirmed
    unchanged: int = 0  # already known in this status (duplicates, overlaps, push and pull)
    refused: int = 0  # invalid order documents, unknown shops, conflicts: kept, never applied
    retries: int = 0
    stopped: str | None = None  # why the run ended early (the cursor stayed), None if caught up


class PartnerOrderApi:
    """HTTP client of one partner's order API, paced to its rate limit, retrying what may pass."""

    def __init__(
        self,
        partner: PullPartner,
        *,
        page_size: int,
        requests_per_second: float,
        client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        backoff_seconds: float = 1.0,
    ) -> None:
        self.partner = partner
        self.page_size = page_size
        # At 90 % of the partner's limit, as deliveries pace under Telegram's: calls spaced
        # exactly at the limit meet its counting window's edges and draw 429s.
        self._interval = 1.0 / (requests_per_second * 0.9)
        self._client = client or httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS)
        self._own_client = client is None
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self._backoff = backoff_seconds
        self._next_call = 0.0
        self.retries = 0

    async def aclose(self) -> None:
        """Close the HTTP client this API made (one it was given belongs to the giver)."""
        if self._own_client:
            await self._client.aclose()

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    async def page(self, window: Window, page_no: int) -> Page:
        """Page `page_no` of `window`; PartnerRefused or PartnerUnavailable when it cannot be had."""
        delay = self._backoff
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self._pace()
            try:
                answer = await self._client.get(
                    f"{self.partner.api_url}/orders", params=self._query(window, page_no)
                )
            except httpx.HTTPError as error:  # timeouts, refused connections, broken answers
                reason = type(error).__name__
                wait = delay
            else:
                if answer.status_code == 200:
                    return _page_of(answer)
                if answer.status_code == 429 or answer.status_code >= 500:
                    reason = f"HTTP {answer.status_code}"
                    wait = max(delay, _retry_after(answer))
                else:
                    code, detail = _error_of(answer)
                    raise PartnerRefused(answer.status_code, code, detail)
            if attempt == MAX_ATTEMPTS:
                raise PartnerUnavailable(f"{self.partner.key}: {reason} after {attempt} tries")
            self.retries += 1
            log.info("partner %s: %s; retrying in %.1fs", self.partner.key, reason, wait)
            await self._sleep(wait)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        raise AssertionError("unreachable")

    def _query(self, window: Window, page_no: int) -> dict[str, str]:
        return signed_query(
            app_key=self.partner.app_key,
            app_secret=self.partner.app_secret,
            window=window,
            page_no=page_no,
            page_size=self.page_size,
            now=self._clock(),
        )

    async def _pace(self) -> None:
        """Keep calls at least 1/rate apart (real time: the partner's limit is in real seconds)."""
        now = time.monotonic()
        if self._next_call > now:
            await asyncio.sleep(self._next_call - now)
        self._next_call = max(now, self._next_call) + self._interval


def _page_of(answer: httpx.Response) -> Page:
    try:
        document = answer.json()
    except ValueError:
        raise PartnerUnavailable("the partner answered 200 with a body that is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("orders"), list):
        raise PartnerUnavailable("the partner answered 200 without an orders list")
    return Page(document["orders"], document.get("has_next") is True)


def _retry_after(answer: httpx.Response) -> float:
    raw = answer.headers.get("retry-after", "")
    return min(float(raw), MAX_BACKOFF_SECONDS) if raw.isdigit() else 0.0


def _error_of(answer: httpx.Response) -> tuple[str, Mapping[str, Any]]:
    try:
        error = answer.json().get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    return str(error.get("code", f"http_{answer.status_code}"))[:64], error


@dataclass(frozen=True)
class Pulled:
    """What applying one pulled order did: the order's outcome, and a settlement's confirmation."""

    outcome: OrderOutcome
    confirmed: bool = False


def _fingerprint(order: PartnerOrder) -> tuple[int, int, datetime, bool]:
    """What `known_many` holds for an order already applied exactly as reported now."""
    return (order.tk_status, order.partner_commission_fen, order.modified_at, True)


async def apply_pulled_page(
    services: Services, partner_key: str, page: Sequence[PartnerOrder], now: datetime
) -> list[Pulled | None]:
    """Apply a page of orders: what was read before is skipped, the rest in a few units of work.

    An order reported exactly as last time (a re-check, an overlap, a duplicate) was applied
    then, in the same unit as its report, so nothing is left to do and no write lock is taken.
    If one order of a unit is refused (DomainError), that unit's orders are applied again one
    per unit, so the refusal costs only that order. None for an order that cannot be applied.
    """
    known = await services.repos.partner_pull.known_many(partner_key, [o.trade_id for o in page])
    results: list[Pulled | None] = [Pulled(REPLAYED)] * len(page)
    todo = [n for n, o in enumerate(page) if known.get(o.trade_id) != _fingerprint(o)]
    if not todo:
        return results
    shops: dict[str, Any] = {}
    for first in range(0, len(todo), ORDERS_PER_UNIT):
        chunk = todo[first : first + ORDERS_PER_UNIT]
        try:
            async with services.unit_of_work(write=True) as uow:
                applied = [
                    await _apply_in(uow, services, partner_key, page[n], now, shops) for n in chunk
                ]
        except DomainError:
            applied = [await apply_pulled_order(services, partner_key, page[n], now) for n in chunk]
        for n, result in zip(chunk, applied, strict=True):
            results[n] = result
    return results


async def apply_pulled_order(
    services: Services, partner_key: str, order: PartnerOrder, now: datetime
) -> Pulled | None:
    """Keep the partner's figures for `order` and apply it once; None when it cannot be applied.

    Not applied (the figures are still kept, for reconciliation and the admins): an order of a
    shop no merchant registered, one another merchant reported under the same id, and a first
    report from a merchant who is not verified.
    """
    try:
        async with services.unit_of_work(write=True) as uow:
            return await _apply_in(uow, services, partner_key, order, now, {})
    except DomainError as error:  # the unit rolled back: keep the partner's figures alone
        log.warning("partner %s order %s not applied: %s", partner_key, order.trade_id, error.code)
        async with services.unit_of_work(write=True) as uow:
            merchant = await uow.merchants.by_shop(partner_key, order.shop_id)
            await uow.partner_pull.save_report(_report(partner_key, order, merchant, now))
        return None


async def _apply_in(
    uow: Repositories,
    services: Services,
    partner_key: str,
    order: PartnerOrder,
    now: datetime,
    shops: dict[str, Any],
) -> Pulled | None:
    """Keep the report and apply the order in `uow` (DomainError: the unit must roll back)."""
    if order.shop_id not in shops:
        shops[order.shop_id] = await uow.merchants.by_shop(partner_key, order.shop_id)
    merchant = shops[order.shop_id]
    await uow.partner_pull.save_report(_report(partner_key, order, merchant, now))
    if merchant is None:
        return None
    if order.refunded and order.settled_at is not None:
        # Refunded after the partner settled it (perhaps between two of our reads): the
        # commission was confirmed then, so the refund books a negative adjustment.
        await _confirm_settled_first(uow, partner_key, order, now)
    outcome = await apply_order_event_in(
        uow,
        merchant_id=merchant.id,
        partner_key=partner_key,
        message_id=receipt_id(partner_key, order),
        event=order_event(order),
        rules=order_rules(services.settings),
        now=now,
        new_orders=merchant.is_active,
    )
    confirmed = False
    if order.settled and outcome.order_id is not None:
        confirmed = await uow.commissions.confirm_settled(outcome.order_id, now)
    return Pulled(outcome, confirmed)


async def _confirm_settled_first(
    uow: Repositories, partner_key: str, order: PartnerOrder, now: datetime
) -> None:
    stored = await uow.orders.by_partner_id(partner_key, order.trade_id)
    if stored is not None and stored.status == "paid":
        await uow.commissions.confirm_settled(stored.id, now)


def _report(
    partner_key: str, order: PartnerOrder, merchant: Any, now: datetime
) -> dict[str, object]:
    return {
        "partner_key": partner_key,
        "partner_order_id": order.trade_id,
        "merchant_id": None if merchant is None else merchant.id,
        "tk_status": order.tk_status,
        "refunded": order.refunded,
        "amount_fen": order.amount_fen,
        "rate_bp": order.rate_bp,
        "commission_fen": order.partner_commission_fen,
        "settled": order.settled,
        "sub_id": order.sub_id,
        "modified_at": order.modified_at,
        "seen_at": now,
    }


class PartnerPuller:
    """Runs one partner's two walks against its API; `clock` is the (injectable) time of day."""

    def __init__(
        self,
        services: Services,
        api: PartnerOrderApi,
        settings: PullSettings,
        *,
        clock: Clock | None = None,
        announce: Announce | None = None,
    ) -> None:
        self.services = services
        self.api = api
        self.settings = settings
        self.key = api.partner.key
        self._clock = clock or (lambda: datetime.now(UTC))
        self._announce = announce
        self._length = timedelta(minutes=settings.window_minutes)

    async def forward(self, *, max_windows: int = 1000) -> WalkReport:
        """Read new orders from the forward cursor up to a couple of minutes ago."""
        now = self._clock()
        start = now - timedelta(hours=self.settings.initial_lookback_hours)
        return await self._walk(FORWARD, default_cursor=start, max_windows=max_windows)

    async def recheck(self, *, max_windows: int = 1000) -> WalkReport:
        """Re-read the last `recheck_days` of orders; caught up, start over from the oldest."""
        now = self._clock()
        oldest = now - timedelta(days=self.settings.recheck_days)
        report = await self._walk(RECHECK, default_cursor=oldest, max_windows=max_windows)
        if report.stopped is None:
            await self.services.repos.partner_pull.move_cursor(self.key, RECHECK, oldest, now)
        return report

    async def _walk(self, walk: str, *, default_cursor: datetime, max_windows: int) -> WalkReport:
        report = WalkReport(self.key, walk)
        repo = self.services.repos.partner_pull
        stored = await repo.cursor(self.key, walk)
        cursor = default_cursor if stored is None else stored
        if walk == RECHECK:  # nothing older than the recheck horizon is re-read
            cursor = max(cursor, default_cursor)
        retries_before = self.api.retries
        # Each run first asks for the configured length: a big sale's shorter limit is learnt
        # again from the partner's 400 (one call), and forgotten once the sale is over.
        self._length = timedelta(minutes=self.settings.window_minutes)
        # One "now" per run: the walk ends where the run began. Taken afresh each window, the
        # clock would always be a little past the cursor, and the walk would never end.
        now = self._clock()
        try:
            while report.windows < max_windows:
                window = next_window(
                    cursor,
                    now,
                    length=self._length,
                    overlap=min(timedelta(minutes=self.settings.overlap_minutes), self._length / 2),
                    settle_lag=timedelta(seconds=self.settings.settle_lag_seconds),
                )
                if window is None:
                    break
                if not await self._read_window(window, report):
                    continue  # the window was too long for the partner: shrunk, ask again
                await repo.move_cursor(self.key, walk, window.end, now)
                cursor = window.end
                report.windows += 1
            else:
                report.stopped = "window budget used"
        except PartnerUnavailable as error:
            report.stopped = str(error)
            log.warning("partner %s %s walk paused: %s", self.key, walk, error)
        except PartnerRefused as error:
            report.stopped = f"refused: {error.status} {error.code}"
            log.error("partner %s refused the %s walk: %s", self.key, walk, report.stopped)
        report.retries = self.api.retries - retries_before
        return report

    async def _read_window(self, window: Window, report: WalkReport) -> bool:
        """Apply every order of every page of `window`; False when the window had to shrink."""
        page_no = 1
        while True:
            try:
                page = await self.api.page(window, page_no)
            except PartnerRefused as refusal:
                if refusal.code == "window_too_long" and self._shrink(refusal.detail, window):
                    return False
                raise
            report.pages += 1
            await self._apply_page(page.orders, report)
            if not page.has_next or not page.orders:
                return True
            page_no += 1

    def _shrink(self, detail: Mapping[str, Any], window: Window) -> bool:
        allowed = detail.get("max_seconds")
        if isinstance(allowed, bool) or not isinstance(allowed, int) or allowed < 60:
            return False
        shorter = timedelta(seconds=allowed)
        if shorter >= timedelta(seconds=window.seconds):
            return False
        log.info("partner %s allows %ds windows now; shrinking", self.key, allowed)
        self._length = shorter
        return True

    async def _apply_page(self, documents: list[Any], report: WalkReport) -> None:
        report.orders_seen += len(documents)
        latest: dict[str, PartnerOrder] = {}
        unreadable = 0
        for document in documents:
            try:
                order = read_order(document)
            except DomainError as error:
                unreadable += 1
                log.warning("partner %s sent an unreadable order: %s", self.key, error.params)
                continue
            seen = latest.get(order.trade_id)
            if seen is None or seen.modified_at <= order.modified_at:
                latest[order.trade_id] = order  # a page's duplicate: the newest report counts
        orders = list(latest.values())
        report.refused += unreadable
        report.unchanged += len(documents) - unreadable - len(orders)  # repeated on the page
        for pulled in await apply_pulled_page(self.services, self.key, orders, self._clock()):
            if pulled is None:
                report.refused += 1
                continue
            report.confirmed += pulled.confirmed
            if pulled.outcome.changed:
                report.applied += 1
                if self._announce is not None:
                    await self._announce(pulled.outcome)
            elif not pulled.confirmed:
                report.unchanged += 1
