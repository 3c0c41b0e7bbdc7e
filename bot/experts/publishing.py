"""The publisher's use cases: a draft that survives restarts, the shop behind the item, and
turning the draft into an item.

Each function is one step of /publish in one unit of work. The draft is one bot_state row per
user (`draft:publish:<user id>`), written at every step, so a restarted bot carries on where the
expert was; the flow (handlers/expert/publish.py) keeps only the step. The shop step offers the
verified merchants on the link's platform (or "not registered"), unless the link itself names a
verified shop; the item is linked to that merchant, whose order callbacks are attributed to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.domain.commissions import rate_in_force
from bot.domain.errors import DomainError
from bot.domain.money import parse_price_to_fen, parse_stock
from bot.domain.partner_links import PartnerLink, parse_partner_link
from bot.domain.partners import DEFAULT_PARTNERS, Partner
from bot.domain.publishing import (
    validate_draft,
    validate_photo_file_id,
    validate_reason,
    validate_title,
)
from bot.experts.access import Expert, active_expert

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.items import Item
    from storage.repositories.merchants import Merchant

SHOP_BUTTONS = 8  # verified shops offered as buttons; the others are found by typing
SHOP_TEXT_MAX_CHARS = 64  # a shop id or a shop name, as merchants register them

# The typed steps before the link: step -> (draft field, rule, next step).
TEXT_STEPS: dict[str, tuple[str, Callable[[str], object], str]] = {
    "title": ("title", validate_title, "reason"),
    "reason": ("reason", validate_reason, "price"),
    "price": ("price_fen", parse_price_to_fen, "stock"),
    "stock": ("stock", parse_stock, "link"),
}


def partner_whitelist(_services: Services) -> tuple[Partner, ...]:
    """The partner platforms links may come from (one place to switch to configured partners)."""
    return DEFAULT_PARTNERS


def _draft_key(user_id: int) -> str:
    return f"draft:publish:{user_id}"


async def _load(uow: Repositories, user_id: int) -> dict[str, Any]:
    stored = await uow.bot_state.get(_draft_key(user_id))
    return dict(stored) if isinstance(stored, dict) else {}


async def _save(uow: Repositories, user_id: int, **fields: Any) -> dict[str, Any]:
    draft = {**await _load(uow, user_id), **fields}
    await uow.bot_state.put(_draft_key(user_id), draft)
    return draft


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


@dataclass(frozen=True)
class ShopQuestion:
    """Ask which shop sells the item; `refused` says why the previous answer did not count."""

    offer: ShopOffer
    refused: DomainError | None = None


@dataclass(frozen=True)
class Preview:
    """The item as it will look, with its shop and the expert's rate."""

    photo_file_id: str
    title: str
    reason: str
    price_fen: int
    stock: int
    shop: ShopTerms


Screen = ShopQuestion | Preview


async def _terms_with(
    uow: Repositories, expert_id: int, partner_key: str, merchant: Merchant | None
) -> ShopTerms:
    """The rate `merchant` pays `expert_id` today: their own agreement, else its default."""
    if merchant is None:
        return ShopTerms(partner_key, None)
    terms = await uow.agreements.terms_of_merchant(merchant.id)
    now = datetime.now(UTC)
    own = rate_in_force([t for t in terms if t.expert_id == expert_id], expert_id, now)
    rate = own if own is not None else rate_in_force(terms, expert_id, now)
    return ShopTerms(partner_key, merchant, rate, own is not None)


def _platform(draft: dict[str, Any]) -> PartnerLink:
    link = link_from_draft(draft)
    if link is None:  # the steps before the shop were lost: start again
        raise DomainError("draft.no_link")
    return link


def _verified_on(merchant: Merchant | None, partner_key: str) -> bool:
    return merchant is not None and merchant.is_active and merchant.partner_key == partner_key


async def _offer(uow: Repositories, expert: Expert, draft: dict[str, Any]) -> ShopOffer:
    link = _platform(draft)
    merchants, total = await uow.merchants.verified_on(
        link.partner_key, expert_id=expert.id, limit=SHOP_BUTTONS
    )
    options = [await _terms_with(uow, expert.id, link.partner_key, m) for m in merchants]
    return ShopOffer(link.partner_key, options, total)


async def _save_shop(
    uow: Repositories, user_id: int, merchant: Merchant | None, *, from_link: bool
) -> dict[str, Any]:
    shop = {"merchant_id": merchant.id if merchant else None, "from_link": from_link}
    return await _save(uow, user_id, shop=shop)


async def _chosen_shop(uow: Repositories, expert: Expert, draft: dict[str, Any]) -> ShopTerms:
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
        merchant = await uow.merchants.get(merchant_id)
    if merchant is None or not _verified_on(merchant, link.partner_key):
        raise DomainError("shop.unavailable", partner=link.partner_key)
    terms = await _terms_with(uow, expert.id, link.partner_key, merchant)
    return ShopTerms(
        terms.partner_key,
        merchant,
        terms.rate_bp,
        terms.own_rate,
        from_link=shop.get("from_link") is True,
    )


async def _screen(uow: Repositories, expert: Expert, draft: dict[str, Any]) -> Screen:
    """The preview of the draft; the shop question again if its shop is no longer verified."""
    try:
        shop = await _chosen_shop(uow, expert, draft)
    except DomainError as error:
        if not error.code.startswith("shop."):
            raise
        return ShopQuestion(await _offer(uow, expert, draft), refused=error)
    return Preview(
        photo_file_id=str(draft.get("photo_file_id", "")),
        title=str(draft.get("title", "")),
        reason=str(draft.get("reason", "")),
        price_fen=int(draft.get("price_fen", 0)),
        stock=int(draft.get("stock", 0)),
        shop=shop,
    )


# --- the use cases, in the order of the steps -------------------------------------------


async def start_publishing(services: Services, *, user_id: int) -> None:
    """Verified experts start a fresh draft; DomainError("expert.not_allowed") for others."""
    async with services.unit_of_work(write=True) as uow:
        await active_expert(uow, user_id)
        await uow.bot_state.delete(_draft_key(user_id))


async def add_photo(
    services: Services, *, user_id: int, file_id: str, photo_path: str | None
) -> None:
    """Keep the photo's file id (and the path of the copy the handler kept, if any)."""
    checked = validate_photo_file_id(file_id)
    async with services.unit_of_work(write=True) as uow:
        await _save(uow, user_id, photo_file_id=checked, photo_path=photo_path)


async def add_text(services: Services, *, user_id: int, step: str, text: str) -> str:
    """Read the typed answer of a text step (title, reason, price, stock) with the publisher's
    rules, store it, and return the next step; DomainError names what was wrong."""
    if step not in TEXT_STEPS:
        raise DomainError("draft.no_link")  # not a typed step: the draft must start again
    field, rule, next_step = TEXT_STEPS[step]
    value = rule(text)
    async with services.unit_of_work(write=True) as uow:
        await _save(uow, user_id, **{field: value})
    return next_step


async def add_link(services: Services, *, user_id: int, text: str) -> Screen:
    """Check the link against the whitelist (DomainError "link.*"), then settle the shop: the
    preview when the link names a verified shop, else the question of who sells it."""
    link = parse_partner_link(text, partner_whitelist(services))
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        # A new link means a new question of who sells it.
        draft = await _save(uow, user_id, link=asdict(link), shop=None)
        named = None
        if link.shop_id is not None:
            named = await uow.merchants.by_shop(link.partner_key, link.shop_id)
        if named is not None and named.is_active:
            draft = await _save_shop(uow, user_id, named, from_link=True)
            return await _screen(uow, expert, draft)
        return ShopQuestion(await _offer(uow, expert, draft))


async def choose_shop(services: Services, *, user_id: int, merchant_id: int | None) -> Screen:
    """Record the pressed shop (None: not registered) and preview. The id came from a button, so
    it is checked: not a verified merchant on the link's platform, the question comes again with
    DomainError("shop.unavailable") as its `refused`."""
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        draft = await _load(uow, user_id)
        link = _platform(draft)
        merchant = None
        if merchant_id is not None:
            merchant = await uow.merchants.get(merchant_id)
            if not _verified_on(merchant, link.partner_key):
                refused = DomainError("shop.unavailable", partner=link.partner_key)
                return ShopQuestion(await _offer(uow, expert, draft), refused=refused)
        draft = await _save_shop(uow, user_id, merchant, from_link=False)
        return await _screen(uow, expert, draft)


async def choose_shop_by_text(services: Services, *, user_id: int, text: str) -> Screen:
    """Record the verified shop on the link's platform whose shop id or name was typed, and
    preview; DomainError("shop.no_match" / "shop.ambiguous") when the text names no one shop."""
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        draft = await _load(uow, user_id)
        link = _platform(draft)
        typed = " ".join((text or "").split())
        found = []
        if typed and len(typed) <= SHOP_TEXT_MAX_CHARS:
            found = await uow.merchants.find_verified(link.partner_key, typed)
        shown = typed[:SHOP_TEXT_MAX_CHARS]
        if not found:
            raise DomainError("shop.no_match", partner=link.partner_key, text=shown)
        if len(found) > 1 and found[0].shop_id != typed:
            raise DomainError("shop.ambiguous", partner=link.partner_key, text=shown)
        draft = await _save_shop(uow, user_id, found[0], from_link=False)
        return await _screen(uow, expert, draft)


async def change_shop(services: Services, *, user_id: int) -> ShopQuestion:
    """ "Change shop" on the preview: the question of who sells it, again."""
    async with services.unit_of_work() as uow:
        expert = await active_expert(uow, user_id)
        return ShopQuestion(await _offer(uow, expert, await _load(uow, user_id)))


async def publish(services: Services, *, user_id: int) -> Item | ShopQuestion:
    """Re-validate the draft and its shop, create the item linked to the chosen merchant, audit
    it and forget the draft. A shop no longer verified brings the shop question back; a stale
    draft raises DomainError (the steps start again)."""
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, user_id)
        draft = await _load(uow, user_id)
        checked = validate_draft(
            photo_file_id=draft.get("photo_file_id", ""),
            title=draft.get("title", ""),
            reason=draft.get("reason", ""),
            price_fen=draft.get("price_fen", 0),
            stock=draft.get("stock", -1),
            link=link_from_draft(draft),
        )
        whitelisted = {p.key: p for p in partner_whitelist(services)}
        partner = whitelisted.get(checked.link.partner_key)
        if partner is None:
            raise DomainError("link.host_not_allowed", host=checked.link.canonical_url)
        # The shop the expert chose is the one whose order callbacks are attributed to this item.
        screen = await _screen(uow, expert, draft)
        if isinstance(screen, ShopQuestion):
            return screen
        merchant = screen.shop.merchant
        merchant_id = merchant.id if merchant is not None else None
        # Items refer to the partners table; make sure this partner's row exists.
        await uow.partners.sync(
            [(partner.key, partner.name, {"host_suffixes": list(partner.host_suffixes)})]
        )
        item = await uow.items.create(
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
        await uow.audit.record(
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
        await uow.bot_state.delete(_draft_key(user_id))
    return item


async def drop_draft(services: Services, *, user_id: int) -> None:
    """Forget the user's draft (cancelled, declined at the preview, or left too long)."""
    async with services.unit_of_work(write=True) as uow:
        await uow.bot_state.delete(_draft_key(user_id))
