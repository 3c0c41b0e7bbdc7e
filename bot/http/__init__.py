"""HTTP routes of the money path: /go (buy links, intermediate page), item photos, order hooks."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.http.dependencies import HttpContext
from bot.http.go import go_routes
from bot.http.hooks import hook_routes
from bot.http.photos import photo_routes

__all__ = ["HttpContext", "routes_for"]


def routes_for(ctx: HttpContext) -> list[BaseRoute]:
    """Every route of the money path over an explicit context (tests pass fakes here)."""
    return [*go_routes(ctx), *photo_routes(ctx), *hook_routes(ctx)]
