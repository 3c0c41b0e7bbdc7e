"""Merchant accounts: registering a shop, handing out the callback URL and signing secrets."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.config import Settings
from bot.context import VitrineApp
from bot.domain.errors import DomainError
from bot.domain.partners import Partner, find_partner, match_partner
from bot.domain.webhooks import new_webhook_secret
from bot.experts.publishing import partner_whitelist
from bot.services import Services
from bot.texts import LANGUAGES
from storage.repositories.merchants import Merchant

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


async def register_shop(
    services: Services,
    user_id: int,
    *,
    partner_key: str,
    shop_id: str,
    name: str,
    notice_chat_id: int,
) -> Merchant:
    """Store a pending shop (or re-open the user's own rejected one); DomainError if taken."""
    partner = find_partner(partner_key, partner_whitelist(services))
    if partner is None:
        raise DomainError("merchant.unknown_platform")
    # Shops refer to the partners table; on a fresh database nobody has published from this
    # partner yet, so its row may not exist (as in publishing, make sure it does).
    await services.repos.partners.sync(
        [(partner.key, partner.name, {"host_suffixes": list(partner.host_suffixes)})]
    )
    existing = await services.repos.merchants.by_shop(partner_key, shop_id)
    if existing is not None:
        if existing.user_id != user_id or existing.status != "rejected":
            raise DomainError(
                "merchant.shop_taken", status=existing.status, own=existing.user_id == user_id
            )
        await services.repos.merchants.reapply(
            existing.id, name=name, notice_chat_id=notice_chat_id
        )
        reopened = await services.repos.merchants.get(existing.id)
        assert reopened is not None
        return reopened
    return await services.repos.merchants.create(
        user_id=user_id,
        partner_key=partner_key,
        shop_id=shop_id,
        name=name,
        notice_chat_id=notice_chat_id,
    )


async def _send_credentials(
    application: VitrineApp,
    services: Services,
    merchant: Merchant,
    secret: str,
    *,
    rotated: bool,
) -> bool:
    """Show the secret once, straight to the owner's private chat (never through the outbox table)."""
    owner = await services.repos.users.get(merchant.user_id)
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
        await application.bot.send_message(
            owner.telegram_id, text, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    except TelegramError as error:
        log.warning("credentials for merchant %s not delivered: %s", merchant.id, error)
        return False
    return True


async def issue_credentials(
    application: VitrineApp,
    services: Services,
    merchant: Merchant,
) -> bool:
    """Give a newly verified merchant its first secret and URL; False if it already had one."""
    secret = new_webhook_secret()
    if not await services.repos.merchants.issue_first_secret(merchant.id, secret):
        return False
    await _send_credentials(application, services, merchant, secret, rotated=False)
    return True


async def rotate_secret(
    application: VitrineApp,
    services: Services,
    merchant: Merchant,
) -> None:
    """Issue a new current secret; the old one keeps working for 24 hours."""
    secret = new_webhook_secret()
    await services.repos.merchants.rotate_secret(merchant.id, secret, grace=SECRET_GRACE)
    await _send_credentials(application, services, merchant, secret, rotated=True)


async def credentials_for_approved(
    application: VitrineApp,
    services: Services,
) -> int:
    """Hand credentials to merchants verified elsewhere (the admins' /admin queue)."""
    issued = 0
    for merchant in await services.repos.merchants.verified_without_secret():
        issued += await issue_credentials(application, services, merchant)
    return issued
