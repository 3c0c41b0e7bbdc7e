"""HTTP routes of the money path: /go (buy links, intermediate page), item photos, order hooks."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.context import VitrineApp
from bot.http.dependencies import HttpContext, from_application
from bot.http.go import go_routes
from bot.http.hooks import hook_routes
from bot.http.photos import photo_routes
from bot.services import Services

__all__ = ["HttpContext", "buy_routes", "routes_for"]


def routes_for(ctx: HttpContext) -> list[BaseRoute]:
    """Every route of the money path over an explicit context (tests pass fakes here)."""
    return [*go_routes(ctx), *photo_routes(ctx), *hook_routes(ctx)]


def buy_routes(application: VitrineApp, services: Services) -> list[BaseRoute]:
    """The routes `bot.http.server.build_web_app` mounts: /go, /items/<id>/photo, /hooks/orders."""
    return routes_for(from_application(application, services))
