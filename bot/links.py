"""Links a person follows out of the chat: Buy buttons (to /go) and expert deep links."""

from __future__ import annotations

import time

from bot.config import Settings
from bot.domain.tokens import BuySource, BuyToken, derive_key, sign_buy_token

BUY_TOKEN_PURPOSE = "buy-token"


def buy_url(
    settings: Settings,
    *,
    item_id: int,
    fan_id: int,
    source: BuySource,
    campaign_id: int | None = None,
    sharer_id: int | None = None,
) -> str:
    """The URL of a Buy button: our intermediate page behind a signed, expiring token.

    `fan_id` and `sharer_id` are internal user ids, never Telegram ids.
    """
    token = BuyToken(
        item_id=item_id,
        fan_ref=fan_id,
        source=source,
        campaign_id=campaign_id,
        sharer_ref=sharer_id,
        issued_at=int(time.time()),
    )
    key = derive_key(settings.secret_key, BUY_TOKEN_PURPOSE)
    return f"{settings.public_url}/go/{sign_buy_token(token, key)}"


def miniapp_url(settings: Settings, *, handle: str | None = None) -> str | None:
    """The Mini App's URL for web_app buttons (opening `handle`'s window), or None where Telegram
    would refuse it: production Telegram takes only https Web App URLs."""
    if not (settings.public_url.startswith("https://") or settings.miniapp.allow_http):
        return None
    url = f"{settings.public_url}/app"
    return f"{url}?expert={handle}" if handle else url


def miniapp_link(settings: Settings, bot_username: str, handle: str) -> str | None:
    """t.me/<bot>/<app>?startapp=<handle>: opens the Mini App at the expert's window (None until
    the app is registered with @BotFather and VITRINE_MINIAPP_SHORT_NAME names it)."""
    short_name = settings.miniapp.short_name
    if short_name is None:
        return None
    return f"https://t.me/{bot_username}/{short_name}?startapp={handle}"


def deep_link(bot_username: str, handle: str) -> str:
    """t.me link that opens the bot and follows the expert (`/start <handle>`)."""
    return f"https://t.me/{bot_username}?start={handle}"
