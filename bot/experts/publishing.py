"""The publisher's back end: drafts that survive restarts, and turning a draft into an item."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.domain.errors import DomainError
from bot.domain.partners import DEFAULT_PARTNERS, Partner, PartnerLink, find_partner
from bot.domain.publishing import validate_draft

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.experts import Expert
    from storage.repositories.items import Item


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


async def publish_draft(services: Services, expert: Expert, draft: dict[str, Any]) -> Item:
    """Re-validate the draft, link the merchant when the shop is known, create the item, audit."""
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
    # Items refer to the partners table; make sure this partner's row exists.
    await services.repos.partners.sync(
        [(partner.key, partner.name, {"host_suffixes": list(partner.host_suffixes)})]
    )
    merchant_id = None
    if checked.link.shop_id is not None:
        merchant = await services.repos.merchants.by_shop(partner.key, checked.link.shop_id)
        if merchant is not None and merchant.status == "verified":
            merchant_id = merchant.id
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
        {"title": item.title, "price_fen": item.price_fen, "partner": partner.key},
    )
    return item
