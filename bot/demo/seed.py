"""Loading the demo catalogue: seeding a database (idempotent: running it twice leaves one copy),
the sandbox's demo checkout config and people, and the demo people's menus."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from telegram import Bot

from bot.config import PullPartner, Settings
from bot.demo.catalogue import DEMO_EXPERTS, DEMO_SHOPS, demo_people
from bot.demo.photos import draw_item_photo
from bot.domain.partner_links import parse_partner_link
from bot.domain.partners import DEFAULT_PARTNERS
from bot.menus import refresh_menu
from storage.database import create_engine, migrate
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services


def demo_secret(shop_key: str) -> str:
    """The fixed, public signing secret of a demo shop: never use demo data in production."""
    digest = hashlib.sha256(f"vitrine-demo-secret:{shop_key}".encode()).digest()
    return "whsec_" + base64.b64encode(digest).decode("ascii")


# The demo's pull mode (VITRINE_DEMO_PULL): this platform's shop reports through the sandbox's
# simulated partner order API, with these public demo credentials.
DEMO_PULL_PARTNER = "taobao"
DEMO_PULL_APP_KEY = "vitrine-demo"
DEMO_PULL_RATE_BP = 800  # what the simulated partner pays: the demo shops' agreed default rate


def demo_pull_secret() -> str:
    """The fixed, public app secret of the demo's partner API: never use demo data in production."""
    return hashlib.sha256(b"vitrine-demo-partner-app").hexdigest()


def with_demo_pull(settings: Settings, sandbox_url: str) -> Settings:
    """`settings` polling the sandbox's partner API for the demo platform, at a demo's pace."""
    partner = PullPartner(
        DEMO_PULL_PARTNER,
        f"{sandbox_url}/partner/{DEMO_PULL_PARTNER}",
        DEMO_PULL_APP_KEY,
        demo_pull_secret(),
    )
    pull = dataclasses.replace(
        settings.pull,
        partners=(*settings.pull.partners, partner),
        # The sandbox writes an order at once: no need to stay minutes behind, or wait long.
        settle_lag_seconds=0,
        interval_seconds=min(settings.pull.interval_seconds, 5),
    )
    return dataclasses.replace(settings, pull=pull)


async def write_checkout_config(settings: Settings) -> Path:
    """Tell the sandbox's simulated checkout how to sign for each demo shop (a demo-only file).

    Point `sandbox.checkout.checkout_routes` at the returned path and set
    VITRINE_DEMO_CHECKOUT_URL to the sandbox's /checkout; secrets never travel in URLs.
    """
    engine = create_engine(settings.database_url)
    try:
        repos = Repositories.build(engine, default_timezone=settings.default_timezone)
        config: dict[str, dict[str, object]] = {}
        for shop_key, (partner, shop_id, _name, _owner) in DEMO_SHOPS.items():
            merchant = await repos.merchants.by_shop(partner, shop_id)
            if merchant is not None and settings.demo_pull and partner == DEMO_PULL_PARTNER:
                config[str(merchant.id)] = {
                    "name": merchant.name,
                    "mode": "pull",
                    "platform": partner,
                    "shop_id": shop_id,
                    "commission_rate_bp": DEMO_PULL_RATE_BP,
                }
            elif merchant is not None:
                config[str(merchant.id)] = {
                    "name": merchant.name,
                    "callback_url": f"{settings.public_url}/hooks/orders/{merchant.callback_key}",
                    "secret": demo_secret(shop_key),
                }
    finally:
        await engine.dispose()
    path = settings.data_dir / "demo_checkout.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return path


async def _ensure_user(repos: Repositories, telegram_id: int) -> int:
    """The demo person as the bot will first see them: their own name and client language.

    Seeding runs before they ever write, so what is stored here is what their first notices
    (a merchant's order notice, an expert's earnings) are written in.
    """
    first_name, language_code = demo_people()[telegram_id]
    user = await repos.users.upsert_from_telegram(telegram_id, first_name, None, language_code)
    return user.id


async def seed_into(repos: Repositories, photo_dir: Path) -> dict[str, str]:
    """Insert the demo catalogue unless it is there; return {handle: deep-link payload}."""
    await repos.partners.sync(
        (p.key, p.name, {"host_suffixes": list(p.host_suffixes)}) for p in DEFAULT_PARTNERS
    )
    merchant_ids: dict[str, int] = {}
    for shop_key, (partner, shop_id, name, owner) in DEMO_SHOPS.items():
        merchant = await repos.merchants.by_shop(partner, shop_id)
        if merchant is None:
            owner_id = await _ensure_user(repos, owner)
            merchant = await repos.merchants.create(
                user_id=owner_id,
                partner_key=partner,
                shop_id=shop_id,
                name=name,
                notice_chat_id=owner,
                status="verified",
            )
            await repos.merchants.add_agreement(merchant.id, 800, expert_id=None, accepted=True)
        # Known secrets, so the sandbox's simulated checkout can sign callbacks (demo only).
        await repos.merchants.issue_first_secret(merchant.id, demo_secret(shop_key))
        merchant_ids[shop_key] = merchant.id
    links: dict[str, str] = {}
    for demo in DEMO_EXPERTS:
        links[demo.handle] = demo.handle
        if await repos.experts.by_handle(demo.handle) is not None:
            continue
        user_id = await _ensure_user(repos, demo.telegram_id)
        expert = await repos.experts.create(
            user_id=user_id,
            handle=demo.handle,
            display_name=demo.display_name,
            vertical=demo.vertical,
            tags=list(demo.tags),
            bio=demo.bio,
            status="verified",
        )
        for number, item in enumerate(demo.items, start=1):
            link = parse_partner_link(item.url, DEFAULT_PARTNERS)
            photo = draw_item_photo(item.title, photo_dir / f"{demo.handle}-{number}.png")
            await repos.items.create(
                expert_id=expert.id,
                partner_key=link.partner_key,
                partner_item_id=link.item_id,
                canonical_url=link.canonical_url,
                title=item.title,
                reason=item.reason,
                price_fen=item.price_fen,
                stock=item.stock,
                merchant_id=merchant_ids[item.shop],
                shop_id=DEMO_SHOPS[item.shop][1],
                photo_path=str(photo),
                tags=list(item.tags),
            )
    return links


async def seed_demo(settings: Settings) -> dict[str, str]:
    """Migrate the configured database and load the demo data into it."""
    await migrate(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        repos = Repositories.build(engine, default_timezone=settings.default_timezone)
        return await seed_into(repos, settings.data_dir / "demo_photos")
    finally:
        await engine.dispose()


async def create_demo_users(sandbox_url: str, settings: Settings) -> None:
    """Create the demo's people in the sandbox, so every notice of the demo can be delivered.

    People the sandbox already has are kept as they are: the sandbox keeps its state across
    restarts, and a name or language chosen on the chat page must survive the next start.
    The chat page shows the fan, the expert, the merchant and the admin; the other experts and
    shop owners exist too and can be opened with `/?users=<id>:<name>`.
    """
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as client:
        listed = await client.get("/sim/users")
        listed.raise_for_status()
        known = {person["id"] for person in listed.json()}
        for telegram_id, (first_name, language) in demo_people().items():
            if telegram_id in known:
                continue
            response = await client.post(
                "/sim/users",
                json={"id": telegram_id, "first_name": first_name, "language_code": language},
            )
            response.raise_for_status()


async def refresh_demo_menus(bot: Bot, services: Services) -> None:
    """Give the demo's experts, merchants and admin their menus: seeding made them what they are.

    The admin (and the fan) may not have written yet; they are known from now on, so the menu
    is in their language from the first look.
    """
    for telegram_id, (first_name, language) in demo_people().items():
        user = await services.repos.users.by_telegram_id(telegram_id)
        if user is None:
            user = await services.repos.users.upsert_from_telegram(
                telegram_id, first_name, None, language
            )
        await refresh_menu(bot, services, user.id)
