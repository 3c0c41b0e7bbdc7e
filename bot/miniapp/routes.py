"""The Mini App's HTTP side: the shell page, its script and style, and the JSON API of its screens.

Every API call carries `Authorization: tma <initData>`; the fan is who Telegram's signature says,
never what a request says. Refused initData is 401 and changes nothing. Each screen answers
`{"screen", "html", "title", "main_button"}`: `html` is a fragment rendered from
`templates/miniapp/` in the fan's language (autoescaped, so an item's title is text, never
markup), `main_button` what Telegram's MainButton shows (`{"text", "url"}`, or null).
The screens call the chat's own use cases (bot/fan/*), so chat and app show the same cart,
favourites and follows; Buy is the same signed /go link, so attribution is unchanged.
"""

from __future__ import annotations

import html
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import people
from bot.domain.buying import is_buyable
from bot.domain.errors import DomainError
from bot.domain.money import format_fen
from bot.fan import cart, favourites, follows, window
from bot.fan.cart import CartView
from bot.fan.records import Item
from bot.http.dependencies import HttpContext, language_from_header
from bot.links import buy_url
from bot.miniapp.init_data import InitData, InitDataRefused, check_init_data
from bot.miniapp.storefront import window_grid
from storage.repositories.users import User

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4096
MAX_PAGE = 10_000
MAX_QUANTITY = 99
STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
# What a refused call says; the app shows its own sentence from the shell.
UNAUTHORIZED = {"error": "unauthorized"}
ERROR_STATUS = {
    "item.gone": 404,
    "expert.gone": 404,
    "expert.unknown": 404,
    "item.sold_out": 409,
}


@dataclass(frozen=True)
class MiniAppContext:
    """What the app's routes need: the HTTP context, the bot's identity, and its share call."""

    http: HttpContext
    bot_token: Callable[[], str]
    bot_id: Callable[[], int]
    # A prepared inline message of an item card shared by this person: its id (savePreparedInlineMessage).
    prepare_share: Callable[[User, int], Awaitable[str]]


@dataclass(frozen=True)
class Caller:
    """The signed-in fan of one API call."""

    user: User
    init: InitData


class BadRequest(Exception):
    """A malformed parameter or body: 400, nothing changed."""


# --- the shell -------------------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(ctx: MiniAppContext) -> str:
    """Only our own origin and the Telegram script's; framed only by Telegram (or the sandbox)."""
    miniapp = ctx.http.services.settings.miniapp
    script_origin = _origin(miniapp.script_url)
    frames = " ".join(miniapp.frame_origins) or "'none'"
    return (
        f"default-src 'none'; script-src 'self' {script_origin}; "
        # Telegram's script sets the theme's colours as inline styles on the root element.
        "style-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {frames}"
    )


def _headers(ctx: MiniAppContext) -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": content_security_policy(ctx),
    }


async def shell(ctx: MiniAppContext, request: Request) -> Response:
    """GET /app: the page Telegram opens; its script signs in and draws the first screen."""
    language = language_from_header(request)
    settings = ctx.http.services.settings
    fragment = ctx.http.services.texts.render_app(
        "shell",
        language,
        script_url=settings.miniapp.script_url,
        expert=(request.query_params.get("expert") or "")[:64],
    )
    return Response(fragment, media_type="text/html; charset=utf-8", headers=_headers(ctx))


async def static_file(ctx: MiniAppContext, request: Request) -> Response:
    """GET /app/static/<name>: the app's script and style (a fixed list, nothing else)."""
    name = request.path_params["name"]
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        return Response(status_code=404)
    body = resources.files("templates").joinpath("miniapp", name).read_bytes()
    headers = _headers(ctx) | {"Cache-Control": "public, max-age=300"}
    return Response(body, media_type=media_type, headers=headers)


# --- signing in ------------------------------------------------------------------------------


async def sign_in(ctx: MiniAppContext, request: Request) -> Caller | None:
    """The fan whose initData this request carries (created on first contact), or None."""
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "tma" or not raw:
        return None
    services = ctx.http.services
    try:
        init = check_init_data(
            raw.strip(),
            bot_token=ctx.bot_token(),
            bot_id=ctx.bot_id(),
            public_key_hex=services.settings.miniapp.public_key,
            max_age_seconds=services.settings.miniapp.max_age_seconds,
            now=int(time.time()),
        )
    except InitDataRefused as refused:
        log.info("Mini App call refused: %s", refused.reason)
        return None
    user = await people.meet(
        services,
        telegram_id=init.user.id,
        first_name=init.user.first_name,
        username=init.user.username,
        language_code=init.user.language_code,
    )
    return Caller(user, init)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("body too large")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadRequest("body is not JSON") from None
    if not isinstance(value, dict):
        raise BadRequest("body is not an object")
    return value


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "0")
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_PAGE:
        raise BadRequest("page")
    return int(raw)


def _item_id(request: Request) -> int:
    item_id = request.path_params["item_id"]
    if not 0 < item_id < 2**53:
        raise BadRequest("item id")
    return int(item_id)


Screen = Callable[[MiniAppContext, Caller, Request], Awaitable[dict[str, Any]]]


def api(ctx: MiniAppContext, screen: Screen) -> Callable[[Request], Awaitable[Response]]:
    """A screen's route: sign in, run it, answer JSON; 401, 400 and domain errors as such."""

    async def endpoint(request: Request) -> Response:
        caller = await sign_in(ctx, request)
        if caller is None:
            return JSONResponse(UNAUTHORIZED, status_code=401, headers=_headers(ctx))
        try:
            answer = await screen(ctx, caller, request)
        except BadRequest as error:
            return JSONResponse({"error": f"bad request: {error}"}, status_code=400)
        except DomainError as error:
            fragment = ctx.http.services.texts.render_app(
                "error", caller.user.language, code=error.code
            )
            answer = {"screen": "error", "html": fragment, "title": "", "main_button": None}
            return JSONResponse(answer, status_code=ERROR_STATUS.get(error.code, 409))
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    return endpoint


# --- the screens -----------------------------------------------------------------------------


def _buy(ctx: MiniAppContext, caller: Caller, item: Item) -> str | None:
    if not is_buyable(item):
        return None
    return buy_url(ctx.http.services.settings, item_id=item.id, fan_id=caller.user.id, source="app")


def _render(ctx: MiniAppContext, caller: Caller, name: str, **values: Any) -> str:
    return ctx.http.services.texts.render_app(name, caller.user.language, **values)


def _screen(
    screen: str, fragment: str, *, title: str = "", main_button: dict[str, str] | None = None
) -> dict[str, Any]:
    return {"screen": screen, "html": fragment, "title": title, "main_button": main_button}


async def window_screen(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """An expert's window as a grid: GET /app/api/window/<handle>?page=N."""
    grid = await window_grid(
        ctx.http.services,
        fan_id=caller.user.id,
        handle=request.path_params["handle"],
        page=_page(request),
    )
    fragment = _render(
        ctx, caller, "window", grid=grid, allows_write=caller.init.user.allows_write_to_pm
    )
    return _screen("window", fragment, title=grid.expert.display_name)


async def item_screen(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """An item's detail: GET /app/api/items/<id> (counted as a card opened from the app)."""
    shown = await window.open_item(
        ctx.http.services,
        fan_id=caller.user.id,
        item_id=_item_id(request),
        source="app",
        new_card=True,
    )
    return _item_answer(ctx, caller, shown)


def _item_answer(
    ctx: MiniAppContext,
    caller: Caller,
    shown: window.ShownItem,
    *,
    notice: str | None = None,
    **values: Any,
) -> dict[str, Any]:
    buy = _buy(ctx, caller, shown.item)
    fragment = _render(ctx, caller, "item", shown=shown, buy_url=buy, notice=notice, **values)
    main = None
    if buy is not None:
        text = ctx.http.services.texts.label(
            caller.user.language, "fan.buy", price=format_fen(shown.item.price_fen)
        )
        main = {"text": text, "url": buy}
    return _screen("item", fragment, title=shown.item.title, main_button=main)


async def favourite_action(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """♥ on an item: POST /app/api/items/<id>/favourite; answers the item as it is now."""
    item_id = _item_id(request)
    services = ctx.http.services
    await favourites.toggle_favourite(services, fan_id=caller.user.id, item_id=item_id)
    shown = await window.item_details(services, fan_id=caller.user.id, item_id=item_id)
    return _item_answer(ctx, caller, shown)


async def cart_add_action(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """Add to cart: POST /app/api/items/<id>/cart; answers the item with how many are in the cart."""
    item_id = _item_id(request)
    services = ctx.http.services
    added = await cart.add_to_cart(services, fan_id=caller.user.id, item_id=item_id, source="app")
    shown = await window.item_details(services, fan_id=caller.user.id, item_id=item_id)
    return _item_answer(ctx, caller, shown, notice="cart.added", quantity=added.quantity)


async def favourites_screen(
    ctx: MiniAppContext, caller: Caller, request: Request
) -> dict[str, Any]:
    """The fan's favourites: GET /app/api/favourites?page=N."""
    view = await favourites.show_favourites(
        ctx.http.services, fan_id=caller.user.id, page=_page(request)
    )
    return _screen("favourites", _render(ctx, caller, "favourites", view=view))


def _cart_answer(ctx: MiniAppContext, caller: Caller, view: CartView) -> dict[str, Any]:
    """The whole cart by shop; MainButton buys the first line that can be bought."""
    buy_urls = {
        line.item.id: url
        for group in view.groups
        for line in group.lines
        if (url := _buy(ctx, caller, line.item)) is not None
    }
    fragment = _render(ctx, caller, "cart", view=view, buy_urls=buy_urls)
    main = None
    first = next(
        (line for group in view.groups for line in group.lines if line.item.id in buy_urls), None
    )
    if first is not None:
        # MainButton shows plain text: the template's escaping is undone.
        text = html.unescape(
            ctx.http.services.texts.render_app(
                "main_button", caller.user.language, title=first.item.title
            ).strip()
        )
        main = {"text": text, "url": buy_urls[first.item.id]}
    return _screen("cart", fragment, main_button=main)


async def cart_screen(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """The cart grouped by shop with subtotals: GET /app/api/cart."""
    view = await cart.show_cart(ctx.http.services, fan_id=caller.user.id, page=0)
    return _cart_answer(ctx, caller, view)


async def cart_quantity_action(
    ctx: MiniAppContext, caller: Caller, request: Request
) -> dict[str, Any]:
    """− / + on a line: POST /app/api/cart/<id>/quantity {"quantity": n} (0 removes it)."""
    quantity = (await _body(request)).get("quantity")
    if type(quantity) is not int or not 0 <= quantity <= MAX_QUANTITY:
        raise BadRequest(f"quantity must be a whole number from 0 to {MAX_QUANTITY}")
    changed = await cart.set_cart_quantity(
        ctx.http.services,
        fan_id=caller.user.id,
        item_id=_item_id(request),
        quantity=quantity,
        page=0,
    )
    return _cart_answer(ctx, caller, changed.cart)


async def following_screen(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """The experts the fan follows: GET /app/api/following?page=N."""
    view = await follows.show_following(
        ctx.http.services, fan_id=caller.user.id, page=_page(request)
    )
    return _screen("following", _render(ctx, caller, "following", view=view))


async def follow_action(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """Follow: POST /app/api/window/<handle>/follow; answers the window as it is now."""
    services = ctx.http.services
    grid = await window_grid(
        services, fan_id=caller.user.id, handle=request.path_params["handle"], page=0
    )
    await follows.follow_expert(
        services, fan_id=caller.user.id, expert_id=grid.expert.id, source="app"
    )
    return await window_screen(ctx, caller, request)


async def unfollow_action(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """Unfollow: POST /app/api/window/<handle>/unfollow; answers the window as it is now."""
    services = ctx.http.services
    grid = await window_grid(
        services, fan_id=caller.user.id, handle=request.path_params["handle"], page=0
    )
    await follows.unfollow_expert(
        services, fan_id=caller.user.id, expert_id=grid.expert.id, source="app"
    )
    return await window_screen(ctx, caller, request)


async def share_action(ctx: MiniAppContext, caller: Caller, request: Request) -> dict[str, Any]:
    """Share an item card into any chat: POST /app/api/items/<id>/share -> {"prepared_id"}."""
    return {"prepared_id": await ctx.prepare_share(caller.user, _item_id(request))}


def miniapp_routes(ctx: MiniAppContext) -> list[BaseRoute]:
    """The app's routes bound to `ctx`."""
    return [
        Route("/app", partial(shell, ctx), methods=["GET"]),
        Route("/app/static/{name}", partial(static_file, ctx), methods=["GET"]),
        Route("/app/api/window/{handle}", api(ctx, window_screen), methods=["GET"]),
        Route("/app/api/window/{handle}/follow", api(ctx, follow_action), methods=["POST"]),
        Route("/app/api/window/{handle}/unfollow", api(ctx, unfollow_action), methods=["POST"]),
        Route("/app/api/items/{item_id:int}", api(ctx, item_screen), methods=["GET"]),
        Route(
            "/app/api/items/{item_id:int}/favourite", api(ctx, favourite_action), methods=["POST"]
        ),
        Route("/app/api/items/{item_id:int}/cart", api(ctx, cart_add_action), methods=["POST"]),
        Route("/app/api/items/{item_id:int}/share", api(ctx, share_action), methods=["POST"]),
        Route("/app/api/favourites", api(ctx, favourites_screen), methods=["GET"]),
        Route("/app/api/cart", api(ctx, cart_screen), methods=["GET"]),
        Route(
            "/app/api/cart/{item_id:int}/quantity", api(ctx, cart_quantity_action), methods=["POST"]
        ),
        Route("/app/api/following", api(ctx, following_screen), methods=["GET"]),
    ]
