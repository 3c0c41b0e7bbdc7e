"""A fan's interest tags (/interests, and once during onboarding): read them, toggle one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.domain.verticals import is_tag

if TYPE_CHECKING:
    from bot.services import Services


async def interests_of(services: Services, *, fan_id: int) -> frozenset[str]:
    """The tags the fan chose."""
    async with services.unit_of_work() as uow:
        return await uow.interests.tags(fan_id)


async def toggle_interest(services: Services, *, fan_id: int, tag: str) -> frozenset[str]:
    """Add or remove one known tag; the fan's tags after it. DomainError("interest.unknown")."""
    if not is_tag(tag):
        raise DomainError("interest.unknown", tag=tag)
    async with services.unit_of_work(write=True) as uow:
        await uow.interests.toggle(fan_id, tag)
        return await uow.interests.tags(fan_id)
