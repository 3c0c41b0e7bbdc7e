"""The publisher's back end: drafts that survive restarts, the shop behind the item, and turning
a draft into an item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.domain.commissions import rate_in_force
from bot.domain.errors import DomainError
from bot.domain.partners import DEFAULT_PARTNERS, Partner, PartnerLink, find_partner
from bot.domain.publishing import validate_draft

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.experts import Expert
    from storage.repositories.items import Item
    from storage.repositories.merchants import Merchant

SHOP_BUTTONS = 8  # verified shops offered as buttons; the others are found by typing
SHOP_TEXT_MAX_CHARS = 64  # a shop id or a shop name, as merchants register them


def partner_whitelist(services: Services) -> tuple[Partner, ...]:
    """The partner platforms links may come from (one place to switch to configured partners)."""
    configured = getattr(services.settings, "partners", None)
    return tuple(configured) if configured else DEFAULT_PARTNERS


def _draft_key(user_id: int) -> str:
    return f"draft:publish:{user_id}"


async def load_draft(services: Services, user_id: int) -> dict[str, Any]:
    """The user's publisher draft so far (empty when none)."""
    stored = await services.repos.bot_state.get(_draft_key(user_id))
    return dict(stored) if isinstance(stored, dict) else {}


async def save_draft(services: Services, user_id: int, **fields: Any) -> dict[str, Any]:
    """Add fields to the draft and store it at once (the conversation may resume after a restart)."""
    draft = {**await load_draft(services, user_id), **fields}
    await services.repos.bot_state.put(_draft_key(user_id), draft)
    return draft


async def drop_draft(services: Services, user_id: int) -> None:
    """Forget the user's draft."""
    await services.repos.bot_state.delete(_draft_key(user_id))


def link_from_draft(draft: dict[str, Any]) -> PartnerLink | None:
    """The validated partner link stored in a draft."""
    link = draft.get("link")
    if not isinstance(link, dict):
        return None
    try:
        return PartnerLink(**link)
    except TypeError:
        return None


def _kept_copy(draft: dict[str, Any]) -> str | None:
    """The path of the photo copy the publisher kept (bot/photos.py), if it kept one."""
    path = draft.get("photo_path")
    return path if isinstance(path, str) and path else None


@dataclass(frozen=True)
class ShopTerms:
    """Who sells a draft's item, and what its orders would earn the expert."""

    partner_key: str
    merchant: Merchant | None  # None: a shop not registered with Vitrine
    rate_bp: int | None = None  # the rate in force for this expert now; None: no commission
    own_rate: bool = False  # agreed with this expert (else the shop's default rate)
    from_link: bool = False  # the link itself names this shop


@dataclass(frozen=True)
class ShopOffer:
    """The shop step: verified shops on the link's platform (some of them) and how many exist."""

    partner_key: str
    options: list[ShopTerms]
    total: int


async def terms_with(
    services: Services, expert_id: int, partner_key: str, merchant: Merchant | None
) -> ShopTerms:
    """The rate `merchant` pays `expert_id` today: their own agreement, else its default."""
    if merchant is None:
        return ShopTerms(partner_key, None)
    terms = await services.repos.agreements.terms_of_merchant(merchant.id)
    now = datetime.now(UTC)
    own = rate_in_force([t for t in terms if t.expert_id == expert_id], expert_id, now)
    rate = own if own is not None else rate_in_force(terms, expert_id, now)
    return ShopTerms(partner_key, merchant, rate, own is not None)


def _platform(draft: dict[str, Any]) -> PartnerLink:
    link = link_from_draft(draft)
    if link is None:  # the steps before the shop were lost: start again
        raise DomainError("draft.no_link")
    return link


async def shop_named_by_link(services: Services, draft: dict[str, Any]) -> Merchant | None:
    """The verified merchant whose shop id the product link carries, if any."""
    link = _platform(draft)
    if link.shop_id is None:
        return None
    merchant = await services.repos.merchants.by_shop(link.partner_key, link.shop_id)
    return merchant if merchant is not None and merchant.is_active else None


async def offer_shops(services: Services, expert: Expert, draft: dict[str, Any]) -> ShopOffer:
    """The verified shops to offer as buttons, with the rate each would pay this expert."""
    link = _platform(draft)
    merchants, total = await services.repos.merchants.verified_on(
        link.partner_key, expert_id=expert.id, limit=SHOP_BUTTONS
    )
    options = [await terms_with(services, expert.id, link.partner_key, m) for m in merchants]
    return ShopOffer(link.partner_key, options, total)


async def _save_shop(
    services: Services, user_id: int, merchant: Merchant | None, *, from_link: bool
) -> dict[str, Any]:
    shop = {"merchant_id": merchant.id if merchant else None, "from_link": from_link}
    return await save_draft(services, user_id, shop=shop)


async def take_shop_from_link(services: Services, user_id: int, draft: dict[str, Any]) -> bool:
    """Settle the shop step when the link names a verified shop; False if the expert must choose."""
    merchant = await shop_named_by_link(services, draft)
    if merchant is None:
        return False
    await _save_shop(services, user_id, merchant, from_link=True)
    return True


async def choose_shop(services: Services, user_id: int, merchant_id: int | None) -> dict[str, Any]:
    """Record the pressed shop (None: not registered); the id came from a button, so it is
    checked: a verified merchant on the link's platform, else DomainError("shop.unavailable")."""
    draft = await load_draft(services, user_id)
    link = _platform(draft)
    merchant = None
    if merchant_id is not None:
        merchant = await services.repos.merchants.get(merchant_id)
        if merchant is None or not merchant.is_active or merchant.partner_key != link.partner_key:
            raise DomainError("shop.unavailable", partner=link.partner_key)
    return await _save_shop(services, user_id, merchant, from_link=False)


async def choose_shop_by_text(services: Services, user_id: int, text: str) -> dict[str, Any]:
    """Record the verified shop on the link's platform whose shop id or name was typed."""
    draft = await load_draft(services, user_id)
    link = _platform(draft)
    typed = " ".join((text or "").split())
    found = []
    if typed and len(typed) <= SHOP_TEXT_MAX_CHARS:
        found = await services.repos.merchants.find_verified(link.partner_key, typed)
    shown = typed[:SHOP_TEXT_MAX_CHARS]
    if not found:
        raise DomainError("shop.no_match", partner=link.partner_key, text=shown)
    if len(found) > 1 and found[0].shop_id != typed:
        raise DomainError("shop.ambiguous", partner=link.partner_key, text=shown)
    return await _save_shop(services, user_id, found[0], from_link=False)


async def chosen_shop(services: Services, expert: Expert, draft: dict[str, Any]) -> ShopTerms:
    """The shop the draft names, checked again: DomainError("shop.not_chosen") if the step was
    never answered, ("shop.unavailable") if that merchant is no longer verified on the platform."""
    link = _platform(draft)
    shop = draft.get("shop")
    if not isinstance(shop, dict) or "merchant_id" not in shop:
        raise DomainError("shop.not_chosen", partner=link.partner_key)
    merchant_id = shop["merchant_id"]
    if merchant_id is None:
        return ShopTerms(link.partner_key, None)
    merchant = None
    if isinstance(merchant_id, int) and not isinstance(merchant_id, bool):
        merchant = await services.repos.merchants.get(merchant_id)
    if merchant is None or not merchant.is_active or merchant.partner_key != link.partner_key:
        raise DomainError("shop.unavailable", partner=link.partner_key)
    terms = await terms_with(services, expert.id, link.partner_key, merchant)
    return ShopTerms(
        terms.partner_key,
        merchant,
        terms.rate_bp,
        terms.own_rate,
        from_link=shop.get("from_link") is True,
    )


async def publish_draft(services: Services, expert: Expert, draft: dict[str, Any]) -> Item:
    """Re-validate the draft and its shop, create the item linked to the chosen merchant, audit."""
    if not expert.is_active:
        raise DomainError("expert.not_active", status=expert.status)
    checked = validate_draft(
        photo_file_id=draft.get("photo_file_id", ""),
        title=draft.get("title", ""),
        reason=draft.get("reason", ""),
        price_fen=draft.get("price_fen", 0),
        stock=draft.get("stock", -1),
        link=link_from_draft(draft),
    )
    partner = find_partner(checked.link.partner_key, partner_whitelist(services))
    if partner is None:
        raise DomainError("link.host_not_allowed", host=checked.link.canonical_url)
    # The shop the expert chose is the one whose order callbacks are attributed to this item.
    shop = await chosen_shop(services, expert, draft)
    merchant_id = shop.merchant.id if shop.merchant is not None else None
    # Items refer to the partners table; make sure this partner's row exists.
    await services.repos.partners.sync(
        [(partner.key, partner.name, {"host_suffixes": list(partner.host_suffixes)})]
    )
    item = await services.repos.items.create(
        expert_id=expert.id,
        partner_key=partner.key,
        partner_item_id=checked.link.item_id,
        canonical_url=checked.link.canonical_url,
        title=checked.title,
        reason=checked.reason,
        price_fen=checked.price_fen,
        stock=checked.stock,
        merchant_id=merchant_id,
        shop_id=checked.link.shop_id,
        photo_file_id=checked.photo_file_id,
        photo_path=_kept_copy(draft),
        tags=list(expert.tags),
    )
    await services.repos.audit.record(
        expert.user_id,
        "item.publish",
        "item",
        item.id,
        {
            "title": item.title,
            "price_fen": item.price_fen,
            "partner": partner.key,
            "merchant_id": merchant_id,
        },
    )
    return item
