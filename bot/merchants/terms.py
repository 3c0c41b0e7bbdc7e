"""Commission terms, one use case per function: what a merchant or expert sees in /agreements,
a merchant's proposal, an expert's answer.

Each opens one unit of work and returns what the screen shows and who is to be told; the
screens send the offers and answers (they carry buttons) after it has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.domain.states import AgreementStatus
from bot.merchants.shops import own_verified_shop
from bot.orders.rates import parse_rate_bp
from storage.repositories import Repositories
from storage.repositories.agreements import Agreement
from storage.repositories.merchants import Merchant

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["Agreement", "Merchant"]  # the result types the screens name

DEFAULT_WORDS = frozenset({"default", "all", "默认"})
MAX_HANDLE_CHARS = 64


@dataclass(frozen=True)
class Recipient:
    """Someone to tell, in their private chat and language."""

    user_id: int
    telegram_id: int
    language: str


@dataclass(frozen=True)
class ShopTerms:
    """One verified shop and its terms, newest first."""

    shop: Merchant
    rows: tuple[Agreement, ...]


@dataclass(frozen=True)
class TermsView:
    """/agreements without arguments: the user's shops' terms and, for an expert, theirs."""

    shops: tuple[ShopTerms, ...]
    expert_rows: tuple[Agreement, ...] | None  # None: the user is no active expert

    @property
    def empty(self) -> bool:
        """Neither a verified shop nor an active expert: the screen explains the command."""
        return not self.shops and self.expert_rows is None

    @property
    def open_proposals(self) -> tuple[Agreement, ...]:
        """The proposals awaiting this expert's answer."""
        return tuple(r for r in self.expert_rows or () if r.status == AgreementStatus.PROPOSED)


@dataclass(frozen=True)
class Proposed:
    """A merchant's new terms, and the expert to offer them to (None for a default rate)."""

    row: Agreement
    merchant: Merchant
    offer_to: Recipient | None


@dataclass(frozen=True)
class Answered:
    """An expert's answer, and the shop owner to tell."""

    row: Agreement
    owner: Recipient | None


async def _recipient(uow: Repositories, user_id: int) -> Recipient | None:
    user = await uow.users.get(user_id)
    if user is None or user.telegram_id is None:
        return None
    return Recipient(user.id, user.telegram_id, user.language)


async def terms_view(services: Services, *, user_id: int) -> TermsView:
    """The terms of the user's verified shops, and the terms that apply to them as an expert."""
    async with services.unit_of_work() as uow:
        shops = [m for m in await uow.merchants.of_user(user_id) if m.is_active]
        listed = [
            ShopTerms(shop, tuple(await uow.agreements.of_merchant(shop.id))) for shop in shops
        ]
        expert = await uow.experts.by_user(user_id)
        expert_rows = None
        if expert is not None and expert.is_active:
            expert_rows = tuple(await uow.agreements.for_expert(expert.id))
    return TermsView(tuple(listed), expert_rows)


async def propose_terms(
    services: Services, *, user_id: int, shop_arg: str | None, target: str, rate_text: str
) -> Proposed:
    """`/agreements [shop id] <default|@handle> <rate>`: a default rate is in force at once; a
    rate for one expert waits for their answer.

    DomainError: as `own_verified_shop`, a bad rate (`parse_rate_bp`), or
    ("merchant.unknown_expert", handle=...) for a handle that is no active expert.
    """
    rate_bp = parse_rate_bp(rate_text)
    async with services.unit_of_work(write=True) as uow:
        merchant = await own_verified_shop(uow, user_id, shop_arg)
        expert_id = None
        if target.lower() not in DEFAULT_WORDS:
            handle = target.lstrip("@")[:MAX_HANDLE_CHARS]
            expert = await uow.experts.by_handle(handle)
            if expert is None or not expert.is_active:
                raise DomainError("merchant.unknown_expert", handle=handle)
            expert_id = expert.id
        row = await uow.agreements.propose(merchant.id, rate_bp, expert_id=expert_id)
        offer_to = None
        if expert_id is not None:
            expert = await uow.experts.get(expert_id)
            offer_to = await _recipient(uow, expert.user_id) if expert is not None else None
    return Proposed(row, merchant, offer_to)


async def answer_terms(
    services: Services, *, user_id: int, agreement_id: int, accept: bool
) -> Answered:
    """The expert's Accept / Decline: only the addressed expert's answer counts, and only once.

    DomainError("agreement.closed") otherwise.
    """
    async with services.unit_of_work(write=True) as uow:
        expert = await uow.experts.by_user(user_id)
        decided = None
        if expert is not None:
            decided = await uow.agreements.decide(agreement_id, expert_id=expert.id, accept=accept)
        if decided is None:
            raise DomainError("agreement.closed")
        merchant = await uow.merchants.get(decided.merchant_id)
        owner = await _recipient(uow, merchant.user_id) if merchant is not None else None
    return Answered(decided, owner)
