"""The HTTP side: health, metrics and the Telegram webhook, on the bot's own event loop."""

from __future__ import annotations

import hmac
import json
import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.context import PROCESS_KEY, ProcessState, VitrineApp
from bot.event_loop import running_loop_name
from bot.http import routes_for
from bot.http.dependencies import from_application as http_context
from bot.http.observe import WEBHOOK_ROUTE_NAME, ObservedRequests
from bot.http.updates import well_typed
from bot.inbound import first_delivery
from bot.metrics import exposition, outbox_depth
from bot.miniapp.routes import miniapp_routes
from bot.miniapp.telegram_side import from_application as miniapp_context
from bot.services import Services

log = logging.getLogger(__name__)

MAX_UPDATE_BYTES = 1_000_000


def webhook_path(services: Services) -> str:
    """A path only Telegram knows (derived from the secret), so the URL alone leaks nothing."""
    return f"/telegram/{services.settings.webhook_secret[:32]}"


def build_web_app(
    application: VitrineApp, services: Services, *, for_people: bool = True
) -> Starlette:
    """Routes of the bot's HTTP server.

    `for_people`: the webhook, /go, the order hooks and the Mini App too; without (the worker and
    scheduler roles), only /healthz and /metrics, for the operator.
    """

    async def healthz(_request: Request) -> Response:
        health: dict[str, object] = {
            "status": "ok",
            "bot": application.bot.username,
            "event_loop": running_loop_name(),
        }
        process = application.bot_data.get(PROCESS_KEY)
        if isinstance(process, ProcessState):
            health.update(role=process.role, leading=process.leading)
        return JSONResponse(health)

    async def telegram_webhook(request: Request) -> Response:
        header = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(header.encode(), services.settings.webhook_secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except Exception:  # PTB's parsers raise anything on hostile JSON (AttributeError, ...)
            return JSONResponse({"error": "malformed update"}, status_code=400)
        if not well_typed(update):
            return JSONResponse({"error": "malformed update"}, status_code=400)
        if not await first_delivery(services, update.update_id):
            return Response(status_code=200)  # delivered again: taken once already
        await application.update_queue.put(update)
        return Response(status_code=200)

    depth = outbox_depth(services.repos.outbox)

    async def metrics(_request: Request) -> Response:
        try:
            await depth.refresh()
        except SQLAlchemyError:  # the database is away: the other figures still say so
            log.warning("could not count the outbox for /metrics", exc_info=True)
        body, content_type = exposition([depth])
        return Response(body, media_type=content_type)

    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics)]
    if not for_people:
        return Starlette(routes=routes, middleware=[Middleware(ObservedRequests)])
    routes.append(
        Route(webhook_path(services), telegram_webhook, methods=["POST"], name=WEBHOOK_ROUTE_NAME)
    )
    http = http_context(application, services)
    routes += routes_for(http)
    routes += miniapp_routes(miniapp_context(application, http))
    return Starlette(routes=routes, middleware=[Middleware(ObservedRequests)])
