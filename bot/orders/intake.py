"""Order callbacks from partners: verify, validate and apply, answering with a status and JSON."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.orders import OrderEvent, OrderOutcome, OrderRules
from bot.domain.webhooks import decode_secret, parse_order_payload, verify_webhook
from bot.orders.service import apply_order_event

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
CALLBACK_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
DAY = 86400


@dataclass(frozen=True)
class CallbackResult:
    """The HTTP answer to one callback and, when something was applied, what it did."""

    status_code: int
    body: dict[str, object] = field(default_factory=dict)
    outcome: OrderOutcome | None = None


def order_rules(settings: Settings) -> OrderRules:
    """The configured attribution window, refund window and low-stock threshold."""
    return OrderRules(
        attribution_window_seconds=settings.attribution_window_days * DAY,
        refund_window_seconds=settings.refund_window_days * DAY,
        low_stock_threshold=settings.low_stock_threshold,
    )


def _error(status: int, error: str, **detail: object) -> CallbackResult:
    return CallbackResult(status, {"error": error, **detail})


async def receive_order_callback(
    services: Services,
    callback_key: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime | None = None,
) -> CallbackResult:
    """Verify a partner's callback for the merchant behind `callback_key` and apply it once.

    401 bad or stale signature, 400 invalid payload (naming the field), 413 too large,
    404 unknown key, 403 merchant not verified (a non-active merchant's verified callbacks
    about orders it already reported are still applied), 200 applied or already seen.
    """
    moment = now or datetime.now(UTC)
    if not CALLBACK_KEY.fullmatch(callback_key):
        return _error(404, "unknown_merchant")
    if len(body) > MAX_BODY_BYTES:
        return _error(413, "payload_too_large", max_bytes=MAX_BODY_BYTES)
    async with services.unit_of_work() as uow:
        merchant = await uow.merchants.by_callback_key(callback_key)
        stored_secrets = (
            await uow.merchants.active_secrets(merchant.id, now=moment) if merchant else []
        )
    if merchant is None:
        return _error(404, "unknown_merchant")
    # Checked before any signature work: a merchant never given a secret cannot sign.
    if not merchant.is_active and not stored_secrets:
        return _error(403, "merchant_not_active")
    keys = []
    for secret in stored_secrets:
        try:
            keys.append(decode_secret(secret))
        except DomainError:
            log.error("merchant %s has an unreadable signing secret", merchant.id)
    try:
        message_id = verify_webhook(keys, headers, body, now=int(moment.timestamp()))
    except DomainError as error:
        # Which check failed helps an integrator; it tells a forger nothing about the secret.
        return _error(401, "bad_signature", reason=error.code)
    try:
        event = parse_order_payload(body, max_bytes=MAX_BODY_BYTES)
    except DomainError as error:
        if error.code == "payload.too_large":
            return _error(413, "payload_too_large", max_bytes=MAX_BODY_BYTES)
        return _error(400, "invalid_payload", **error.params)
    outcome = await _apply(
        services,
        merchant.id,
        merchant.partner_key,
        message_id,
        event,
        moment,
        new_orders=merchant.is_active,
    )
    if isinstance(outcome, CallbackResult):
        return outcome
    status = "applied" if outcome.changed else ("replayed" if outcome.replayed else "duplicate")
    body_out: dict[str, object] = {"status": status}
    if outcome.order_id is not None:
        body_out["order_status"] = outcome.status
    return CallbackResult(200, body_out, outcome)


async def _apply(
    services: Services,
    merchant_id: int,
    partner_key: str,
    message_id: str,
    event: OrderEvent,
    moment: datetime,
    *,
    new_orders: bool,
) -> OrderOutcome | CallbackResult:
    """Apply in one unit of work; a lost race on the order's unique key is retried once."""
    for attempt in (1, 2):
        try:
            return await apply_order_event(
                services,
                merchant_id=merchant_id,
                partner_key=partner_key,
                message_id=message_id,
                event=event,
                rules=order_rules(services.settings),
                now=moment,
                new_orders=new_orders,
            )
        except DomainError as error:
            if error.code == "merchant.not_active":
                return _error(403, "merchant_not_active")
            return _error(400, "invalid_payload", **error.params)
        except IntegrityError:
            # Two deliveries of one new order raced (PostgreSQL); the retry sees the winner's row.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
