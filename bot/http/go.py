"""`/go/<token>`: verify the Buy link, log the click, show the intermediate page, then redirect.

The only way out to a partner is `/go/<token>/continue?c=<click id>`, which re-checks the
destination against the partner whitelist at redirect time; no token or parameter carries a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.domain.errors import DomainError
from bot.domain.language import is_supported
from bot.domain.partner_links import is_whitelisted_url, with_attribution
from bot.domain.partners import find_partner
from bot.domain.tokens import (
    CLICK_TAG_CHARS,
    BuyToken,
    ExpiredToken,
    derive_key,
    is_click_id,
    new_click_id,
    sign_buy_token,
    verify_buy_token,
)
from bot.http.dependencies import HttpContext, language_from_header, page_language
from bot.links import BUY_TOKEN_PURPOSE, deep_link
from storage.repositories.clicks import ClickRequest
from storage.repositories.items import Item

DAY = 86400
CLICK_TAG_PURPOSE = "vitrine.click-tag.v1"


def _read_token(ctx: HttpContext, raw: str) -> tuple[BuyToken, bool] | None:
    """(token, expired) for a correctly signed token, None for anything else."""
    settings = ctx.services.settings
    key = derive_key(settings.secret_key, BUY_TOKEN_PURPOSE)
    try:
        return (
            verify_buy_token(
                raw, key, now=int(time.time()), max_age=settings.buy_token_max_age_days * DAY
            ),
            False,
        )
    except ExpiredToken as expired:
        return expired.token, True
    except DomainError:
        return None


def _fresh(ctx: HttpContext, token: BuyToken) -> str:
    """The same Buy link issued now (an expired link is renewed, not refused)."""
    key = derive_key(ctx.services.settings.secret_key, BUY_TOKEN_PURPOSE)
    renewed = BuyToken(
        token.item_id,
        token.fan_ref,
        token.source,
        token.campaign_id,
        token.sharer_ref,
        int(time.time()),
    )
    return sign_buy_token(renewed, key)


def _link_tag(ctx: HttpContext, raw: str) -> str:
    """A keyed hash of the Buy link (hex), the same for every opening of that link."""
    key = derive_key(ctx.services.settings.secret_key, CLICK_TAG_PURPOSE)
    return hmac.new(key, raw.encode("ascii", "replace"), hashlib.sha256).hexdigest()[
        :CLICK_TAG_CHARS
    ]


def _not_found(ctx: HttpContext, request: Request) -> Response:
    return ctx.page("not_found", language_from_header(request), status_code=404)


async def broken_link(ctx: HttpContext, request: Request) -> Response:
    """The 404 page for any other path under /go."""
    return _not_found(ctx, request)


async def _unavailable(ctx: HttpContext, language: str, item: Item) -> Response:
    """The item was delisted or suspended: say so and lead back to its expert."""
    expert = await ctx.services.repos.experts.get(item.expert_id)
    link = None
    if expert is not None and expert.is_active:
        link = deep_link(ctx.bot_username(), expert.handle)
    return ctx.page(
        "unavailable",
        language,
        status_code=410,
        title=item.title,
        expert_name=expert.display_name if expert and expert.is_active else None,
        expert_link=link,
    )


async def _shown_item(ctx: HttpContext, token: BuyToken) -> tuple[Item | None, bool]:
    """(item, buyable): buyable when listed and its expert may still be shown."""
    item = await ctx.services.repos.items.get(token.item_id)
    if item is None:
        return None, False
    expert = await ctx.services.repos.experts.get(item.expert_id)
    return item, item.available and expert is not None and expert.is_active


async def intermediate_page(ctx: HttpContext, request: Request) -> Response:
    """Verify the token, record the click and show the item before the partner's checkout.

    The hot path of every Buy button: the item and its expert from the buy-page cache
    (storage/repositories/buy_page_cache.py), then the click through the group-committed click
    log, whose batch also reads the fan's language: no read of the visit's own.
    """
    read = _read_token(ctx, request.path_params["token"])
    if read is None:
        return _not_found(ctx, request)
    token, expired = read
    shown = await ctx.services.buy_pages.page(token.item_id, None)
    if shown is None:
        return _not_found(ctx, request)
    item, expert = shown.item, shown.expert
    if not (item.available and expert.is_active):
        language = await page_language(ctx, request, token.fan_ref or None)
        return await _unavailable(ctx, language, item)
    raw = _fresh(ctx, token) if expired else request.path_params["token"]
    visit = await ctx.services.click_log.visit(
        ClickRequest(
            link_tag=_link_tag(ctx, request.path_params["token"]),
            click_id=new_click_id(),
            item_id=item.id,
            expert_id=item.expert_id,
            source=token.source,
            fan_id=token.fan_ref or None,  # 0: a shared card, opened by someone unknown
            campaign_id=token.campaign_id,
            sharer_id=token.sharer_ref,
            user_agent=request.headers.get("user-agent"),
            at=datetime.now(UTC),
        )
    )
    click, stored = visit.click, visit.fan_language
    language = stored if stored and is_supported(stored) else language_from_header(request)
    partner = find_partner(item.partner_key, ctx.whitelist())
    return ctx.page(
        "intermediate",
        language,
        item=item,
        partner_name=partner.name if partner else item.partner_key,
        merchant_name=item.merchant_name,
        expert_name=expert.display_name,
        photo_url=f"/items/{item.id}/photo" if item.photo_path or item.photo_file_id else None,
        continue_url=f"/go/{raw}/continue?" + urlencode({"c": click.id}),
        demo=ctx.services.settings.demo_checkout is not None,
    )


async def continue_to_partner(ctx: HttpContext, request: Request) -> Response:
    """302 to the partner's item page with our click id, only if it is a whitelisted URL."""
    read = _read_token(ctx, request.path_params["token"])
    click_id = request.query_params.get("c", "")
    if read is None or not is_click_id(click_id):
        return _not_found(ctx, request)
    token, _expired = read
    click = await ctx.services.repos.clicks.get(click_id)
    if click is None or click.item_id != token.item_id:
        return _not_found(ctx, request)
    item, buyable = await _shown_item(ctx, token)
    if item is None:
        return _not_found(ctx, request)
    if not buyable:
        language = await page_language(ctx, request, token.fan_ref or None)
        return await _unavailable(ctx, language, item)
    demo = ctx.services.settings.demo_checkout
    if demo is not None and item.merchant_id is not None:
        # Sandbox only (Settings.demo_checkout is None whenever a real token is configured).
        query = {
            "merchant": item.merchant_id,
            "item": item.partner_item_id,
            "click": click.id,
            "price": item.price_fen,
            "title": item.title,
        }
        return RedirectResponse(f"{demo}?{urlencode(query)}", status_code=302)
    partner = find_partner(item.partner_key, ctx.whitelist())
    if partner is None:
        return _not_found(ctx, request)
    try:
        target = with_attribution(item.canonical_url, partner, click.id)
    except DomainError:
        return _not_found(ctx, request)
    # Checked again here, whatever was checked at publishing: the whitelist may have changed.
    if not is_whitelisted_url(target, ctx.whitelist()):
        return _not_found(ctx, request)
    return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})


def go_routes(ctx: HttpContext) -> list[Route]:
    """The /go routes bound to `ctx`."""
    return [
        Route("/go/{token}", partial(intermediate_page, ctx), methods=["GET"]),
        Route("/go/{token}/continue", partial(continue_to_partner, ctx), methods=["GET"]),
        # Anything else under /go (empty or extra path segments) is a broken link, not a crash.
        Route("/go/{rest:path}", partial(broken_link, ctx), methods=["GET"]),
    ]
