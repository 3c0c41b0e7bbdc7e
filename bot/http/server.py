"""The HTTP side: health, metrics and the Telegram webhook, on the bot's own event loop."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.context import VitrineApp
from bot.http import routes_for
from bot.http.dependencies import from_application as http_context
from bot.http.updates import well_typed
from bot.inbound import first_delivery
from bot.miniapp.routes import miniapp_routes
from bot.miniapp.telegram_side import from_application as miniapp_context
from bot.services import Services

log = logging.getLogger(__name__)

MAX_UPDATE_BYTES = 1_000_000


def webhook_path(services: Services) -> str:
    """A path only Telegram knows (derived from the secret), so the URL alone leaks nothing."""
    return f"/telegram/{services.settings.webhook_secret[:32]}"


def build_web_app(application: VitrineApp, services: Services) -> Starlette:
    """Routes of the bot's HTTP server; later slices add /go and /hooks here."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "bot": application.bot.username})

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

    async def metrics(_request: Request) -> Response:
        lines = [
            "# HELP vitrine_up 1 while the process serves.",
            "# TYPE vitrine_up gauge",
            "vitrine_up 1",
        ]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route(webhook_path(services), telegram_webhook, methods=["POST"]),
    ]
    http = http_context(application, services)
    routes += routes_for(http)
    routes += miniapp_routes(miniapp_context(application, http))
    return Starlette(routes=routes)
