"""The simulated partner's order-details API and its /sim control routes (Starlette).

`partner_api_routes(books)` serves, for every platform key in `books`:

- ``GET /partner/{platform}/orders`` — the order-details API of the pull contract: signed with
  HMAC-SHA256 (`partner_signature`), refused when stale, windowed by creation time in Beijing
  time, paged, rate limited, and as unreliable as the book's faults say.
- ``/sim/partner/{platform}/…`` — the demo's and the tests' levers: fault settings, the big
  sale, refund/settle/receive one order, and every order as JSON.

Every query parameter and body is untrusted: anything malformed is a 4xx with a JSON error,
never a 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.partner_book import FAULT_NAMES, PartnerOrderBook
from sandbox.partner_orders import BookError, is_datable, parse_beijing_time

STALE_SECONDS = 300
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE_NO = 1_000_000
NUMBER = re.compile(r"[0-9]{1,12}")
MAX_BODY_BYTES = 16_384

Books = Mapping[str, PartnerOrderBook]


def canonical_string(params: Mapping[str, str]) -> str:
    """Every parameter but `sign`, sorted by name, as name=value joined by & (not URL-encoded)."""
    return "&".join(f"{name}={params[name]}" for name in sorted(params) if name != "sign")


def partner_signature(params: Mapping[str, str], app_secret: str) -> str:
    """The request's `sign`: lowercase hex HMAC-SHA256 keyed by app_secret over the canonical
    string."""
    message = canonical_string(params).encode()
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def error(status: int, code: str, msg: str, **extra: Any) -> JSONResponse:
    """The contract's error answer: {"error": {"code", "msg", ...extra}}."""
    headers = {"Cache-Control": "no-store"}
    return JSONResponse({"error": {"code": code, "msg": msg, **extra}}, status, headers=headers)


def bad_param(name: str, why: str) -> JSONResponse:
    """400 bad_param naming the parameter."""
    return error(400, "bad_param", f"{name}: {why}")


class _Refused(Exception):
    """An answer decided while reading the request (carried up to the route)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _single_params(request: Request) -> dict[str, str]:
    """The query's parameters, each given once (a repeated one is a bad parameter)."""
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params:
            raise _Refused(bad_param(name, "given more than once"))
        params[name] = value
    return params


def _authenticate(book: PartnerOrderBook, params: Mapping[str, str]) -> str:
    """Check app_key, sign and timestamp; return the app key or raise _Refused."""
    app_key = params.get("app_key", "")
    if not app_key:
        raise _Refused(bad_param("app_key", "missing"))
    secret = book.apps.get(app_key)
    if secret is None:
        raise _Refused(error(401, "unknown_app", "unknown app_key"))
    expected = partner_signature(params, secret)
    given = params.get("sign", "")
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise _Refused(error(401, "bad_signature", "sign is missing or wrong"))
    timestamp = params.get("timestamp", "")
    if not NUMBER.fullmatch(timestamp):
        raise _Refused(bad_param("timestamp", "must be unix seconds"))
    if abs(book.clock() - int(timestamp)) > STALE_SECONDS:
        raise _Refused(error(401, "stale_request", f"timestamp is more than {STALE_SECONDS} s off"))
    return app_key


def _number(params: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> int:
    text = params.get(name)
    if text is None and default is not None:
        return default
    if text is None:
        raise _Refused(bad_param(name, "missing"))
    if not NUMBER.fullmatch(text) or not low <= int(text) <= high:
        raise _Refused(bad_param(name, f"must be an integer from {low} to {high}"))
    return int(text)


def _time(params: Mapping[str, str], name: str) -> float:
    text = params.get(name)
    if text is None:
        raise _Refused(bad_param(name, "missing"))
    try:
        return parse_beijing_time(text)
    except ValueError:
        raise _Refused(bad_param(name, "must be YYYY-MM-DD HH:MM:SS, Beijing time")) from None


def _book(books: Books, request: Request) -> PartnerOrderBook:
    book = books.get(request.path_params["platform"])
    if book is None:
        raise _Refused(error(404, "unknown_platform", "no such partner platform"))
    return book


async def order_details(books: Books, request: Request) -> Response:
    """GET /partner/{platform}/orders: one page of the orders created in a window."""
    try:
        book = _book(books, request)
        params = _single_params(request)
        app_key = _authenticate(book, params)
        wait = book.admit_call(app_key)
        if wait > 0:
            response = error(429, "rate_limited", "too many calls; slow down")
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return response
        if book.roll_failure():
            return error(503, "unavailable", "the partner's order service is unavailable")
        delay = book.roll_delay()
        start = _time(params, "start_time")
        end = _time(params, "end_time")
        page_no = _number(params, "page_no", None, 1, MAX_PAGE_NO)
        page_size = _number(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    except _Refused as refused:
        return refused.response
    if not end > start:
        return bad_param("end_time", "must be after start_time")
    longest = book.max_window_seconds(start, end)
    if end - start > longest:
        return error(
            400, "window_too_long", f"a window may span at most {longest} s", max_seconds=longest
        )
    if delay > 0:
        await asyncio.sleep(delay)
    page = book.query(start, end, page_no, page_size)
    return JSONResponse(
        {
            "orders": page.orders,
            "page_no": page_no,
            "page_size": page_size,
            "has_next": page.has_next,
        },
        headers={"Cache-Control": "no-store"},
    )


# --- /sim control routes ----------------------------------------------------------------------


async def _json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body ({} when empty), or raise _Refused (400 bad_json)."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise _Refused(error(413, "too_large", f"at most {MAX_BODY_BYTES} bytes"))
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise _Refused(error(400, "bad_json", "the body is not JSON")) from None
    if not isinstance(value, dict):
        raise _Refused(error(400, "bad_json", "the body must be a JSON object"))
    return value


async def set_faults(books: Books, request: Request) -> Response:
    """POST /sim/partner/{platform}/faults: change some fault settings; answer them all."""
    try:
        book = _book(books, request)
        body = await _json_object(request)
    except _Refused as refused:
        return refused.response
    unknown = sorted(set(body) - FAULT_NAMES)
    if unknown:
        return bad_param(unknown[0], "not a fault setting")
    try:
        faults = book.set_faults(**body)
    except BookError as refused:
        return error(400, "bad_param", str(refused))
    return JSONResponse({"faults": faults.as_json()})


def _moment(body: Mapping[str, Any], name: str) -> float | None:
    """A body field as unix seconds: a number of seconds, a Beijing time string, or null."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_beijing_time(value)
        except ValueError:
            raise _Refused(bad_param(name, "must be YYYY-MM-DD HH:MM:SS, Beijing time")) from None
    if is_datable(value):
        return float(value)
    raise _Refused(bad_param(name, "must be unix seconds (1970-2099) or a Beijing time string"))


async def set_big_sale(books: Books, request: Request) -> Response:
    """POST /sim/partner/{platform}/big_sale {"start", "end"}: announce (or with nulls, end) a
    big sale, during which windows overlapping it may span at most 20 minutes."""
    try:
        book = _book(books, request)
        body = await _json_object(request)
        start, end = _moment(body, "start"), _moment(body, "end")
    except _Refused as refused:
        return refused.response
    try:
        book.set_big_sale(start, end)
    except BookError as refused:
        return error(400, "bad_param", str(refused))
    return JSONResponse({"big_sale": book.big_sale})


async def change_order(
    books: Books, change: Callable[[PartnerOrderBook, str, float | None], Any], request: Request
) -> Response:
    """POST /sim/partner/{platform}/orders/{trade_id}/(refund|settle|receive), optionally
    {"at": unix seconds or Beijing time}: move one order; answer it as the API reports it."""
    try:
        book = _book(books, request)
        body = await _json_object(request)
        at = _moment(body, "at")
    except _Refused as refused:
        return refused.response
    try:
        order = change(book, request.path_params["trade_id"], at)
    except BookError as refused:
        status = {"unknown_order": 404, "bad_transition": 409}.get(refused.code, 400)
        return error(status, refused.code, str(refused))
    return JSONResponse({"order": order.as_json()})


ORDER_FIELDS = frozenset(
    {"trade_id", "item_id", "item_num", "price_fen", "sub_id", "shop_id", "commission_rate_bp"}
)


async def create_order(books: Books, request: Request) -> Response:
    """POST /sim/partner/{platform}/orders {trade_id, item_id, item_num, price_fen, sub_id,
    shop_id, commission_rate_bp, "at"?, "paid"?}: a buyer pays (or, with "paid": false, orders
    and never pays); answer the order as the API reports it."""
    try:
        book = _book(books, request)
        body = await _json_object(request)
        at = _moment(body, "at")
    except _Refused as refused:
        return refused.response
    missing = sorted(ORDER_FIELDS - set(body))
    if missing:
        return bad_param(missing[0], "missing")
    unknown = sorted(set(body) - ORDER_FIELDS - {"at", "paid"})
    if unknown:
        return bad_param(unknown[0], "not an order field")
    paid = body.get("paid", True)
    if not isinstance(paid, bool):
        return bad_param("paid", "must be true or false")
    record = book.record_payment if paid else book.close_unpaid
    values = {name: body[name] for name in ORDER_FIELDS}
    try:
        order = record(at=at, **values)
    except BookError as refused:
        status = 409 if refused.code == "duplicate_order" else 400
        return error(status, refused.code, str(refused))
    return JSONResponse({"order": order.as_json()})


async def list_orders(books: Books, request: Request) -> Response:
    """GET /sim/partner/{platform}/orders: every order, as the API reports it, unpaged."""
    try:
        book = _book(books, request)
    except _Refused as refused:
        return refused.response
    return JSONResponse({"orders": [order.as_json() for order in book.all_orders()]})


def partner_api_routes(books: Books) -> list[Route]:
    """The partner API and its sim routes for `books` (platform key -> book); mount them with
    SandboxServer(extra_routes=...)."""
    prefix = "/sim/partner/{platform}"
    moves: dict[str, Callable[[PartnerOrderBook, str, float | None], Any]] = {
        "refund": PartnerOrderBook.refund,
        "settle": PartnerOrderBook.settle,
        "receive": PartnerOrderBook.receive,
    }
    return [
        Route("/partner/{platform}/orders", partial(order_details, books), methods=["GET"]),
        Route(f"{prefix}/faults", partial(set_faults, books), methods=["POST"]),
        Route(f"{prefix}/big_sale", partial(set_big_sale, books), methods=["POST"]),
        Route(f"{prefix}/orders", partial(list_orders, books), methods=["GET"]),
        Route(f"{prefix}/orders", partial(create_order, books), methods=["POST"]),
        *(
            Route(
                f"{prefix}/orders/{{trade_id}}/{name}",
                partial(change_order, books, move),
                methods=["POST"],
            )
            for name, move in moves.items()
        ),
    ]
