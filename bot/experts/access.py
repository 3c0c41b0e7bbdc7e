"""Who may act as an expert: the check every expert use case starts with, inside its unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.domain.states import ProfileStatus

# The profile type the expert screens show; handlers take it from here, not from storage.
from storage.repositories.experts import Expert as Expert

if TYPE_CHECKING:
    from storage.repositories import Repositories


async def active_expert(uow: Repositories, user_id: int) -> Expert:
    """The user's verified expert profile; DomainError("expert.not_allowed") says why not.

    Its params (what templates/messages/expert/not_allowed.j2 shows): `status` ("none" without
    a profile) and the admins' `reason` for a suspension ("" otherwise).
    """
    expert = await uow.experts.by_user(user_id)
    if expert is not None and expert.is_active:
        return expert
    suspended = expert is not None and expert.status == ProfileStatus.SUSPENDED
    raise DomainError(
        "expert.not_allowed",
        status=expert.status if expert is not None else "none",
        reason=(expert.reject_reason or "") if expert is not None and suspended else "",
    )
