"""Who is writing: the person behind each update, met once per update, and what we learn of them.

The use cases behind handlers/common.py. Meeting a person is on the path of every update, so it
reads first and takes the write lock only when something about them changed (a new person, a
new name, a new client language, reachable again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.language import person_language
from storage.repositories.users import User, client_tag

if TYPE_CHECKING:
    from bot.services import Services


def _changed(user: User, first_name: str, username: str | None, language_code: str | None) -> bool:
    """Would meeting them again change what is stored?"""
    language = person_language(
        chosen=user.language_chosen, stored=user.language, client_code=language_code
    )
    return (
        user.first_name != first_name[:128]
        or user.username != username
        or user.client_language != client_tag(language_code)
        or user.language != language
        or user.unreachable
    )


async def meet(
    services: Services,
    *,
    telegram_id: int,
    first_name: str,
    username: str | None,
    language_code: str | None,
) -> User:
    """The person with this Telegram identity, created on first contact, kept up to date after.

    Their language follows `language_code` (their client's) until they choose one.
    """
    async with services.unit_of_work() as uow:
        known = await uow.users.by_telegram_id(telegram_id)
    if known is not None and not _changed(known, first_name, username, language_code):
        return known
    async with services.unit_of_work(write=True) as uow:
        return await uow.users.upsert_from_telegram(
            telegram_id, first_name, username, language_code
        )


async def greeted(services: Services, *, user_id: int) -> bool:
    """Record that the person was shown onboarding; True only the first time."""
    async with services.unit_of_work(write=True) as uow:
        return await uow.users.mark_onboarded(user_id)


async def blocked_us(services: Services, *, telegram_id: int) -> None:
    """The person blocked the bot: nothing is sent to them until they write again."""
    async with services.unit_of_work(write=True) as uow:
        await uow.users.mark_unreachable(telegram_id)


async def language_of(services: Services, *, telegram_id: int) -> str | None:
    """The language of a known person (None for someone the bot has never met)."""
    async with services.unit_of_work() as uow:
        known = await uow.users.by_telegram_id(telegram_id)
    return known.language if known else None
