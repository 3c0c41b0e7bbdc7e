"""A simulated partner checkout for the sandbox demo: Pay sends a correctly signed order callback.

Served by the sandbox (never by the bot): ``checkout_routes(config_path)`` returns Starlette routes
for ``GET /checkout``, ``POST /checkout/pay`` and ``POST /checkout/refund``. Which callback URL and
secret belong to a shop comes from a demo-only JSON file written by
``bot.demo.seed.write_checkout_config`` ({"<merchant id>": {"name", "callback_url", "secret"}}), so
secrets never travel in URLs.

A shop's entry may instead say ``{"name", "mode": "pull", "platform", "shop_id",
"commission_rate_bp"}``: then Pay records the order in that platform's `PartnerOrderBook` (the
click id as sub_id) and Refund refunds it there, and Vitrine hears of it only when it polls the
partner's order-details API (sandbox/partner_checkout.py, sandbox/partner_api.py).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.domain.money import format_fen
from bot.domain.webhooks import decode_secret, sign_webhook
from sandbox.partner_book import PartnerOrderBook
from sandbox.partner_checkout import pull_result_page, record_with_partner
from sandbox.partner_orders import MAX_RATE_BP, TEXT_ID

ITEM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CLICK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
ORDER_ID = re.compile(r"SIM-[A-Za-z0-9_-]{1,40}")
MAX_PRICE_FEN = 100_000_000
MAX_QUANTITY = 99


@dataclass(frozen=True)
class CheckoutShop:
    """Where one demo shop's orders go: signed callbacks (push) or its partner's book (pull)."""

    name: str
    callback_url: str = ""
    secret: str = ""
    mode: str = "push"  # "pull": recorded in `platform`'s PartnerOrderBook instead
    platform: str = ""
    shop_id: str = ""
    commission_rate_bp: int = 0


ShopSource = Callable[[], Mapping[str, CheckoutShop]]


@dataclass(frozen=True)
class CallbackAnswer:
    """What Vitrine answered one order callback: its HTTP status and JSON body (0: unreachable)."""

    status: int
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What happened to the order, for the result page to say in words (see docs/partner-api.md).

    `event`: recorded (applied now), already (a duplicate or replay: nothing changed), refused
    (Vitrine said no; `reason` says why: unknown_merchant, merchant_not_active, bad_signature,
    invalid_payload with `field` and `detail`, payload_too_large), unreachable (no answer) or
    failed (Vitrine could not record it now; a real shop would retry).
    """

    event: str
    reason: str = ""
    field: str = ""
    detail: str = ""


REFUSALS = {
    400: "invalid_payload",
    401: "bad_signature",
    403: "merchant_not_active",
    404: "unknown_merchant",
    413: "payload_too_large",
}


def outcome_of(answer: CallbackAnswer) -> Outcome:
    """Read Vitrine's answer as what happened (never trusting the body's shape)."""
    body = answer.body if isinstance(answer.body, Mapping) else {}
    if answer.status == 0:
        return Outcome("unreachable")
    if answer.status == 200:
        return Outcome("recorded" if body.get("status") == "applied" else "already")
    if answer.status in REFUSALS:
        field = body.get("field")
        detail = body.get("reason")
        return Outcome(
            "refused",
            REFUSALS[answer.status],
            field=field[:64] if isinstance(field, str) else "",
            detail=detail[:64] if isinstance(detail, str) else "",
        )
    return Outcome("failed")


def shops_from_file(path: Path) -> ShopSource:
    """Read the demo checkout file on every request (the bot may write it after we start)."""

    def load() -> Mapping[str, CheckoutShop]:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        shops = {str(key): _shop_entry(entry) for key, entry in raw.items()}
        return {key: shop for key, shop in shops.items() if shop is not None}

    return load


def _shop_entry(entry: object) -> CheckoutShop | None:
    """One shop of the checkout file, or None if its entry is unusable (it is then left out)."""
    if not isinstance(entry, dict) or "name" not in entry:
        return None
    if entry.get("mode") == "pull":
        platform, shop_id = entry.get("platform"), entry.get("shop_id")
        rate = entry.get("commission_rate_bp")
        if not isinstance(platform, str) or not platform:
            return None
        if not isinstance(shop_id, str) or not TEXT_ID.fullmatch(shop_id):
            return None
        if not isinstance(rate, int) or isinstance(rate, bool) or not 0 <= rate <= MAX_RATE_BP:
            return None
        return CheckoutShop(
            str(entry["name"]),
            mode="pull",
            platform=platform,
            shop_id=shop_id,
            commission_rate_bp=rate,
        )
    if not {"callback_url", "secret"} <= set(entry):
        return None
    return CheckoutShop(str(entry["name"]), str(entry["callback_url"]), str(entry["secret"]))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("templates", "."),
        autoescape=select_autoescape(enabled_extensions=("j2", "html"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_fen
    return env


_ENV = _environment()


def _page(status_code: int = 200, **values: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {
        "step": "checkout",
        "merchant_name": "",
        "title": "",
        "price_fen": 0,
        "quantity": 1,
        "item": "",
        "click": "",
        "merchant": "",
        "order_id": "",
        "status": "",
        "answer": 0,
        "outcome": None,
        "error": None,
    }
    html = _ENV.get_template("web/sandbox_checkout.html.j2").render(**{**defaults, **values})
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _order_fields(
    source: Mapping[str, str], shops: Mapping[str, CheckoutShop]
) -> dict[str, Any] | None:
    """The validated order fields of a query or form, or None if any is unusable."""
    merchant = source.get("merchant", "")
    item = source.get("item", "")
    click = source.get("click", "")
    price = source.get("price", "")
    title = source.get("title", "")[:128]
    quantity = source.get("quantity", "1")
    if merchant not in shops or not ITEM_ID.fullmatch(item):
        return None
    if click and not CLICK_ID.fullmatch(click):
        return None
    if not price.isdigit() or not 0 < int(price) <= MAX_PRICE_FEN:
        return None
    if not quantity.isdigit() or not 1 <= int(quantity) <= MAX_QUANTITY:
        return None
    return {
        "merchant": merchant,
        "item": item,
        "click": click,
        "price_fen": int(price),
        "title": title,
        "quantity": int(quantity),
        "merchant_name": shops[merchant].name,
    }


async def send_signed_order(
    shop: CheckoutShop, *, order_id: str, status: str, fields: Mapping[str, Any]
) -> CallbackAnswer:
    """POST one signed order callback to the shop's callback URL; return Vitrine's answer."""
    body = json.dumps(
        {
            "order_id": order_id,
            "status": status,
            "partner_item_id": fields["item"],
            "click_id": fields["click"] or None,
            "quantity": fields["quantity"],
            "amount_fen": fields["price_fen"] * fields["quantity"],
            "currency": "CNY",
            "occurred_at": int(time.time()),
        }
    ).encode()
    message_id = "msg_" + secrets.token_urlsafe(12)
    timestamp = int(time.time())
    signature = sign_webhook(decode_secret(shop.secret), message_id, timestamp, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(shop.callback_url, content=body, headers=headers)
    except httpx.HTTPError:
        return CallbackAnswer(0, {})
    try:
        answered = response.json()
    except ValueError:
        answered = {}
    return CallbackAnswer(response.status_code, answered if isinstance(answered, dict) else {})


async def checkout_page(shops: ShopSource, request: Request) -> Response:
    """The simulated checkout of one item, with a Pay button."""
    fields = _order_fields(request.query_params, shops())
    if fields is None:
        return _page(400, error="This checkout link is incomplete. 结算链接不完整。")
    return _page(step="checkout", **fields)


async def _callback(
    shops: ShopSource, books: Mapping[str, PartnerOrderBook], request: Request, status: str
) -> Response:
    form = await request.form()
    known = shops()
    fields = _order_fields({k: str(v) for k, v in form.items()}, known)
    if fields is None:
        return _page(400, error="This checkout form is incomplete. 结算表单不完整。")
    order_id = (
        str(form.get("order", "")) if status != "paid" else "SIM-" + secrets.token_hex(6).upper()
    )
    if not ORDER_ID.fullmatch(order_id):
        return _page(400, error="Unknown order. 未知订单。")
    shop = known[fields["merchant"]]
    if shop.mode == "pull":
        pulled = record_with_partner(
            books,
            platform=shop.platform,
            shop_id=shop.shop_id,
            commission_rate_bp=shop.commission_rate_bp,
            order_id=order_id,
            status=status,
            fields=fields,
        )
        return pull_result_page(order_id=order_id, status=status, outcome=pulled, fields=fields)
    answer = await send_signed_order(shop, order_id=order_id, status=status, fields=fields)
    return _page(
        step="result",
        order_id=order_id,
        status=status,
        answer=answer.status,
        outcome=outcome_of(answer),
        **fields,
    )


def checkout_routes(
    config: Path | ShopSource, books: Mapping[str, PartnerOrderBook] | None = None
) -> list[Route]:
    """The simulated checkout's routes; mount them on the sandbox's Starlette app.

    `books` (platform key -> PartnerOrderBook) are where pull-mode shops record their orders;
    a pull-mode shop whose platform is not among them gets a refusal on its result page.
    """
    shops = shops_from_file(config) if isinstance(config, Path) else config
    partner_books: Mapping[str, PartnerOrderBook] = books if books is not None else {}
    pay = partial(_callback, shops, partner_books, status="paid")
    refund = partial(_callback, shops, partner_books, status="refunded")
    return [
        Route("/checkout", partial(checkout_page, shops), methods=["GET"]),
        Route("/checkout/pay", pay, methods=["POST"]),
        Route("/checkout/refund", refund, methods=["POST"]),
    ]
