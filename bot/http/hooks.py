"""`POST /hooks/orders/<merchant key>`: partner order callbacks (see docs/partner-api.md)."""

from __future__ import annotations

import logging
from functools import partial

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import metrics
from bot.http.dependencies import HttpContext
from bot.orders.intake import MAX_BODY_BYTES, receive_order_callback

log = logging.getLogger(__name__)


class _TooLarge(Exception):
    """The body passed the limit while streaming in."""


async def _read_body(request: Request) -> bytes:
    """The request body, refusing (without reading on) anything past the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def order_callback(ctx: HttpContext, request: Request) -> Response:
    """Verify, validate and apply one order callback; answer in JSON."""
    try:
        body = await _read_body(request)
    except _TooLarge:
        return JSONResponse(
            {"error": "payload_too_large", "max_bytes": MAX_BODY_BYTES}, status_code=413
        )
    except ClientDisconnect:
        return Response(status_code=400)
    result = await receive_order_callback(
        ctx.services,
        request.path_params["callback_key"],
        request.headers,
        body,
    )
    if result.outcome is not None and result.outcome.changed:
        await ctx.on_order(result.outcome)
    metrics.ORDERS.labels(
        result=_result_of(result.status_code, result.outcome), path="callback"
    ).inc()
    return JSONResponse(result.body, status_code=result.status_code)


def _result_of(status_code: int, outcome: object | None) -> str:
    """applied (the ledger changed), duplicate (taken before) or refused (4xx)."""
    if status_code >= 400:
        return "refused"
    return "applied" if outcome is not None and getattr(outcome, "changed", False) else "duplicate"


def hook_routes(ctx: HttpContext) -> list[Route]:
    """The order-callback route bound to `ctx`."""
    return [Route("/hooks/orders/{callback_key}", partial(order_callback, ctx), methods=["POST"])]
