"""Shops, one use case per function: register, the admins' review, rotate the signing secret,
hand out credentials; and the checks of what a shop owner types.

Each use case opens one unit of work (`services.unit_of_work`); what is sent (the credentials,
a verdict) goes out after it has committed. The admins' decision itself is the moderation
feature's (`bot.admin.moderation.decide_merchant`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import TelegramError

from bot.admin.moderation import decide_merchant
from bot.admin.notices import admins_in
from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.partners import Partner, find_partner, match_partner
from bot.domain.states import ProfileStatus
from bot.domain.webhooks import new_webhook_secret
from bot.experts.publishing import partner_whitelist
from bot.menus import refresh_menu
from bot.orders.notices import AppHandle, send_notice
from bot.services import Services
from bot.texts import LANGUAGES
from storage.repositories import Repositories
from storage.repositories.merchants import Merchant
from storage.repositories.users import User

log = logging.getLogger(__name__)

SHOP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_NAME_CHARS = 64
SECRET_GRACE = timedelta(hours=24)


def callback_url(settings: Settings, merchant: Merchant) -> str:
    """Where the merchant's partner integration posts order callbacks."""
    return f"{settings.public_url}/hooks/orders/{merchant.callback_key}"


def platform_label(services: Services, language: str, partner: Partner) -> str:
    """The platform's name as the interface in `language` shows it ("天猫" for Tmall in Chinese);
    a partner added in config without a catalogue entry keeps its configured name."""
    return services.texts.labels(language, "merchant").get(f"platform_{partner.key}", partner.name)


def check_platform(services: Services, text: str) -> str:
    """The partner key a merchant typed: key or name in any interface language, any case or
    width ("天猫", "Tmall", "tmall"); DomainError otherwise."""
    whitelist = partner_whitelist(services)
    names = {p.key: [platform_label(services, lang, p) for lang in LANGUAGES] for p in whitelist}
    partner = match_partner(text, whitelist, names)
    if partner is None:
        raise DomainError("merchant.unknown_platform")
    return partner.key


def check_shop_id(text: str) -> str:
    """A shop id as the platform shows it: letters, digits, - and _."""
    shop_id = (text or "").strip()
    if not SHOP_ID.fullmatch(shop_id):
        raise DomainError("merchant.bad_shop_id")
    return shop_id


def check_name(text: str) -> str:
    """A shop name of 1..64 characters on one line."""
    name = " ".join((text or "").split())
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise DomainError("merchant.bad_name", max=MAX_NAME_CHARS)
    return name


@dataclass(frozen=True)
class Reviewer:
    """An admin who is asked to review a shop, in their language."""

    telegram_id: int
    language: str


@dataclass(frozen=True)
class Registered:
    """A shop stored as pending, and the admins to ask for a review."""

    merchant: Merchant
    reviewers: tuple[Reviewer, ...]


@dataclass(frozen=True)
class Reviewed:
    """An admin's decision on a shop: the shop as it is now."""

    merchant: Merchant
    approved: bool


async def own_verified_shop(uow: Repositories, user_id: int, shop_arg: str | None) -> Merchant:
    """The user's verified shop (by shop id when they have several), inside a unit of work.

    DomainError("merchant.not_merchant") without one; DomainError("merchant.pick_shop",
    shops=...) when several match and the shop id must be named.
    """
    shops = [m for m in await uow.merchants.of_user(user_id) if m.is_active]
    if shop_arg is not None:
        shops = [m for m in shops if m.shop_id == shop_arg]
    if len(shops) == 1:
        return shops[0]
    if not shops:
        raise DomainError("merchant.not_merchant")
    raise DomainError("merchant.pick_shop", shops=tuple(shops))


async def register_shop(
    services: Services,
    user_id: int,
    *,
    partner_key: str,
    shop_id: str,
    name: str,
    notice_chat_id: int,
) -> Registered:
    """Store a pending shop (or re-open the user's own rejected one); DomainError if taken."""
    partner = find_partner(partner_key, partner_whitelist(services))
    if partner is None:
        raise DomainError("merchant.unknown_platform")
    async with services.unit_of_work(write=True) as uow:
        # Shops refer to the partners table; on a fresh database nobody has published from
        # this partner yet, so its row may not exist (as in publishing, make sure it does).
        await uow.partners.sync(
            [(partner.key, partner.name, {"host_suffixes": list(partner.host_suffixes)})]
        )
        existing = await uow.merchants.by_shop(partner_key, shop_id)
        if existing is None:
            merchant = await uow.merchants.create(
                user_id=user_id,
                partner_key=partner_key,
                shop_id=shop_id,
                name=name,
                notice_chat_id=notice_chat_id,
            )
        else:
            if existing.user_id != user_id or existing.status != ProfileStatus.REJECTED:
                raise DomainError(
                    "merchant.shop_taken", status=existing.status, own=existing.user_id == user_id
                )
            await uow.merchants.reapply(existing.id, name=name, notice_chat_id=notice_chat_id)
            reopened = await uow.merchants.get(existing.id)
            if reopened is None:  # the row we just updated: only a broken database loses it
                raise RuntimeError(f"merchant {existing.id} vanished while re-applying")
            merchant = reopened
        # Only admins who have talked to the bot have a chat to write to (as for every admin
        # notice); the others find the shop in the queue their first /start shows.
        reviewers = tuple(
            Reviewer(admin.telegram_id, admin.language)
            for admin in await admins_in(uow, services.settings.admin_ids)
            if admin.telegram_id is not None
        )
    return Registered(merchant, reviewers)


async def review_shop(
    application: AppHandle,
    services: Services,
    *,
    admin_user_id: int,
    admin_telegram_id: int,
    merchant_id: int,
    approve: bool,
) -> Reviewed:
    """An admin approves or rejects a pending shop; then its owner hears of it.

    Approved: the owner gets the callback URL and a first secret; rejected: a notice.
    DomainError("merchant.not_admin") for anyone but an admin, ("admin.not_pending") when the
    shop was already decided.
    """
    if not services.is_admin(admin_telegram_id):
        raise DomainError("merchant.not_admin")
    decided = await decide_merchant(services, admin_user_id, merchant_id, approve=approve)
    await refresh_menu(application.bot, services, decided.user_id)
    async with services.unit_of_work() as uow:
        merchant = await uow.merchants.get(merchant_id)
        owner = await uow.users.get(merchant.user_id) if merchant is not None else None
    if merchant is None:  # decided a moment ago: only a broken database loses it
        raise RuntimeError(f"merchant {merchant_id} vanished after its review")
    if merchant.is_active:
        await issue_credentials(application, services, merchant)
    elif owner is not None and owner.telegram_id is not None:
        await send_notice(
            services,
            kind="merchant_verdict",
            chat_id=owner.telegram_id,
            text=services.texts.render(
                "merchant/rejected", owner.language, shop_name=merchant.name
            ),
            dedup_key=f"merchant-verdict:{merchant.id}:rejected:{owner.id}",
            user_id=owner.id,
        )
    return Reviewed(merchant, approved=decided.status == ProfileStatus.VERIFIED)


async def _send_credentials(
    application: AppHandle,
    services: Services,
    merchant: Merchant,
    owner: User | None,
    secret: str,
    *,
    rotated: bool,
) -> bool:
    """Show the secret once, straight to the owner's private chat (never through the outbox table)."""
    if owner is None or owner.telegram_id is None:
        return False
    text = services.texts.render(
        "merchant/credentials",
        owner.language,
        shop_name=merchant.name,
        url=callback_url(services.settings, merchant),
        secret=secret,
        rotated=rotated,
        grace_hours=int(SECRET_GRACE.total_seconds() // 3600),
    )
    try:
        # HTML, no link preview: the application's Defaults (bot/app.py).
        await application.bot.send_message(owner.telegram_id, text)
    except TelegramError as error:
        log.warning("credentials for merchant %s not delivered: %s", merchant.id, error)
        return False
    return True


async def issue_credentials(
    application: AppHandle,
    services: Services,
    merchant: Merchant,
) -> bool:
    """Give a newly verified merchant its first secret and URL; False if it already had one."""
    secret = new_webhook_secret()
    async with services.unit_of_work(write=True) as uow:
        if not await uow.merchants.issue_first_secret(merchant.id, secret):
            return False
        owner = await uow.users.get(merchant.user_id)
    await _send_credentials(application, services, merchant, owner, secret, rotated=False)
    return True


async def rotate_secret(
    application: AppHandle,
    services: Services,
    *,
    user_id: int,
    shop_arg: str | None,
) -> Merchant:
    """/rotate_secret [shop id]: a new current secret for the user's verified shop, sent to
    them; the old one keeps working for 24 hours. DomainError as `own_verified_shop`."""
    secret = new_webhook_secret()
    async with services.unit_of_work(write=True) as uow:
        merchant = await own_verified_shop(uow, user_id, shop_arg)
        await uow.merchants.rotate_secret(merchant.id, secret, grace=SECRET_GRACE)
        owner = await uow.users.get(merchant.user_id)
    await _send_credentials(application, services, merchant, owner, secret, rotated=True)
    return merchant


async def credentials_for_approved(
    application: AppHandle,
    services: Services,
) -> int:
    """Hand credentials to merchants verified elsewhere (the admins' /admin queue)."""
    async with services.unit_of_work() as uow:
        waiting = await uow.merchants.verified_without_secret()
    issued = 0
    for merchant in waiting:
        issued += await issue_credentials(application, services, merchant)
    return issued
