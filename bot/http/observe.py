"""Every HTTP request timed by route and logged once, with nothing secret in either.

The label and the access-log line name the route's template (`/go/{token}`, `/hooks/orders/
{callback_key}`), never the path itself, so a buy token, a merchant's callback key or the
webhook's secret path never reaches a metric or a log line; unmatched paths are "unmatched".
The access log is the `vitrine.access` logger at INFO (silence it with the logging config).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import metrics

access_log = logging.getLogger("vitrine.access")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
WEBHOOK_ROUTE_NAME = "telegram-webhook"
# Routes whose template is itself a secret: what the label and the log say instead.
SECRET_TEMPLATES: Mapping[str, str] = {WEBHOOK_ROUTE_NAME: "/telegram/{secret}"}


def route_label(scope: Scope) -> str:
    """The template of the route that took the request, safe to show."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    name = getattr(route, "name", None)
    if isinstance(name, str) and name in SECRET_TEMPLATES:
        return SECRET_TEMPLATES[name]
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class ObservedRequests:
    """ASGI middleware: the request's latency by route, method and status class; one log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - started
            route = route_label(scope)
            method = str(scope.get("method", ""))
            method = method if method in METHODS else "other"  # a label is never what was sent
            metrics.HTTP_SECONDS.labels(
                route=route, method=method, status=f"{status // 100}xx"
            ).observe(seconds)
            access_log.info("%s %s %d %.1f ms", method, route, status, seconds * 1000)
