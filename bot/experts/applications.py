"""Becoming an expert: a validated application stored as pending for the admins.

The use cases of /become_expert, each in one unit of work: may this person apply
(`start_application`), is this handle free (`check_handle_free`), store the application
(`submit_application`). The answers in between are checked by the pure rules of
bot/experts/rules.py; the flow keeps them until the last step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from bot.admin.notices import admin_users
from bot.domain.errors import DomainError
from bot.domain.states import ProfileStatus
from bot.experts.access import Expert
from bot.experts.cards import render_expert_card
from bot.experts.rules import validate_bio, validate_display_name, validate_handle, validate_tags

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.users import User


async def start_application(services: Services, *, user_id: int) -> None:
    """Allow a new application unless the user has a live profile: DomainError("apply.already",
    status=...) for a pending, verified or suspended one (a rejected applicant may apply again)."""
    async with services.unit_of_work() as uow:
        existing = await uow.experts.by_user(user_id)
    if existing is not None and existing.status != ProfileStatus.REJECTED:
        raise DomainError("apply.already", status=existing.status)


async def _free_handle(uow: Repositories, text: str, user_id: int) -> str:
    handle = validate_handle(text)
    holder = await uow.experts.by_handle(handle)
    if holder is not None and holder.user_id != user_id:
        raise DomainError("handle.taken", handle=handle)
    return handle


async def check_handle_free(services: Services, text: str, user_id: int) -> str:
    """Return the validated handle when nobody else holds it (case-insensitively), else raise."""
    async with services.unit_of_work() as uow:
        return await _free_handle(uow, text, user_id)


async def submit_application(
    services: Services,
    user_id: int,
    *,
    handle: str,
    display_name: str,
    vertical: str,
    tags: list[str],
    bio: str,
) -> Expert:
    """Store the application as pending (a rejected applicant's profile is reused) and audit it.

    Every answer is checked again (the flow's stored answers are not trusted); applying while a
    live profile exists raises DomainError("apply.already"), a handle taken meanwhile
    DomainError("handle.taken").
    """
    validate_handle(handle)  # the handle's shape is refused first, as the steps ask it first
    checked_name = validate_display_name(display_name)
    checked_tags = validate_tags(vertical, tags)
    checked_bio = validate_bio(bio)
    try:
        async with services.unit_of_work(write=True) as uow:
            handle = await _free_handle(uow, handle, user_id)
            existing = await uow.experts.by_user(user_id)
            if existing is not None and existing.status != ProfileStatus.REJECTED:
                raise DomainError("apply.already", status=existing.status)
            if existing is None:
                expert = await uow.experts.create(
                    user_id=user_id,
                    handle=handle,
                    display_name=checked_name,
                    vertical=vertical,
                    tags=checked_tags,
                    bio=checked_bio,
                )
            else:
                expert = await uow.experts.reapply(
                    existing.id,
                    handle=handle,
                    display_name=checked_name,
                    vertical=vertical,
                    tags=checked_tags,
                    bio=checked_bio,
                )
            await uow.audit.record(
                user_id,
                "expert.apply",
                "expert",
                expert.id,
                {"handle": handle, "vertical": vertical},
            )
    except IntegrityError:
        # Someone took the handle between our check and the insert.
        raise DomainError("handle.taken", handle=handle) from None
    return expert


@dataclass(frozen=True)
class ApplicationNotice:
    """What one admin is told of a new application: the applicant's card in their language."""

    admin: User
    card: str


async def application_notices(services: Services, expert: Expert) -> list[ApplicationNotice]:
    """The application's card for every admin who has a chat with the bot (sent after the
    application was stored, so a failed send loses no application)."""
    return [
        ApplicationNotice(admin, await render_expert_card(services, expert, admin.language))
        for admin in await admin_users(services)
    ]
