"""Repositories: the only code that speaks SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.repositories.experts import ExpertRepository
from storage.repositories.items import ItemRepository
from storage.repositories.merchants import MerchantRepository
from storage.repositories.partners import PartnerRepository
from storage.repositories.users import UserRepository


@dataclass(frozen=True)
class Repositories:
    """Every repository, built once over one engine."""

    engine: AsyncEngine
    users: UserRepository
    experts: ExpertRepository
    items: ItemRepository
    merchants: MerchantRepository
    partners: PartnerRepository

    @classmethod
    def build(cls, engine: AsyncEngine, *, default_timezone: str) -> Repositories:
        """Wire all repositories to the same engine."""
        return cls(
            engine=engine,
            users=UserRepository(engine, default_timezone=default_timezone),
            experts=ExpertRepository(engine),
            items=ItemRepository(engine),
            merchants=MerchantRepository(engine),
            partners=PartnerRepository(engine),
        )
