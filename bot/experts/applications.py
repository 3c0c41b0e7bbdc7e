"""Becoming an expert: a validated application stored as pending for the admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from bot.domain.errors import DomainError
from bot.experts.rules import validate_bio, validate_display_name, validate_handle, validate_tags

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.experts import Expert


async def check_handle_free(services: Services, text: str, user_id: int) -> str:
    """Return the validated handle when nobody else holds it (case-insensitively), else raise."""
    handle = validate_handle(text)
    holder = await services.repos.experts.by_handle(handle)
    if holder is not None and holder.user_id != user_id:
        raise DomainError("handle.taken", handle=handle)
    return handle


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
    """Store the application as pending (a rejected applicant's profile is reused) and audit it."""
    handle = await check_handle_free(services, handle, user_id)
    values = dict(
        handle=handle,
        display_name=validate_display_name(display_name),
        vertical=vertical,
        tags=validate_tags(vertical, tags),
        bio=validate_bio(bio),
    )
    existing = await services.repos.experts.by_user(user_id)
    if existing is not None and existing.status != "rejected":
        raise DomainError("apply.already", status=existing.status)
    try:
        if existing is None:
            expert = await services.repos.experts.create(user_id=user_id, **values)  # type: ignore[arg-type]
        else:
            expert = await services.repos.experts.reapply(existing.id, **values)  # type: ignore[arg-type]
    except IntegrityError:
        # Someone took the handle between our check and the insert.
        raise DomainError("handle.taken", handle=handle) from None
    await services.repos.audit.record(
        user_id, "expert.apply", "expert", expert.id, {"handle": handle, "vertical": vertical}
    )
    return expert
