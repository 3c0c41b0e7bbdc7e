"""Callback kinds of the merchant screens, registered with the one codec (bot.domain.callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.callbacks import callback


@callback("mrev")
@dataclass(frozen=True)
class MerchantReview:
    """An admin approves (or rejects) a shop registration."""

    merchant_id: int
    approve: bool


@callback("agr")
@dataclass(frozen=True)
class AgreementAnswer:
    """An expert accepts (or declines) a commission rate a merchant proposed to them."""

    agreement_id: int
    accept: bool


@callback("mplat")
@dataclass(frozen=True)
class MerchantPlatform:
    """A shop owner picks their shop's platform (a partner key) while registering."""

    partner_key: str
