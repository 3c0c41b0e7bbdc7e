"""Messages that are not direct replies (admin notices, verdicts) leave through one function.

Every notice goes through the outbox (the dispatcher sends it, retries it, and marks a blocked
chat unreachable), under a dedup key that names the event it tells about: a retried use case, or
a second press that repeats one, never sends the same notice twice.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode

if TYPE_CHECKING:
    from telegram import Bot

    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.users import User

DEDUP_KEY_CHARS = 128  # the outbox's dedup_key column


def notice_key(kind: str, user_id: int, event: str) -> str:
    """The dedup key of the notice of `kind` telling `user_id` about `event` (stable, bounded).

    `event` names what happened ("expert:7:approve", "audit:42"); a long one is digested so the
    key fits the column whatever its length.
    """
    key = f"{kind}:{user_id}:{event}"
    if len(key) <= DEDUP_KEY_CHARS:
        return key
    digest = hashlib.sha256(event.encode()).hexdigest()[:32]
    return f"{kind}:{user_id}:{digest}"


def _text_event(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """An event identity for callers that name none: the message itself (same text, same buttons)."""
    shown = text + repr(markup.to_dict() if markup is not None else None)
    return "text:" + hashlib.sha256(shown.encode()).hexdigest()[:32]


async def queue_notice(
    services: Services,
    user: User,
    text: str,
    *,
    kind: str,
    event: str | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Put `text` in the outbox for the user's private chat; False when they cannot be written
    to or the same notice (kind, user, event) was queued before.

    Without an `event`, the text and buttons are the event: the very same notice is sent once.
    """
    if user.telegram_id is None or user.unreachable:
        return False
    params: dict[str, Any] = {
        "chat_id": user.telegram_id,
        "text": text,
        "parse_mode": ParseMode.HTML.value,
        "disable_web_page_preview": True,
    }
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return await services.outbox.enqueue(
        kind,
        user.telegram_id,
        {"method": "sendMessage", "params": params},
        notice_key(kind, user.id, event or _text_event(text, markup)),
        user_id=user.id,
    )


async def send_notice(
    services: Services,
    bot: Bot,
    user: User,
    text: str,
    *,
    kind: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """`queue_notice` for callers outside the admin services (the expert application).

    `bot` is not used any more (the dispatcher sends); it stays so those callers keep working.
    """
    del bot
    return await queue_notice(services, user, text, kind=kind, markup=markup)


async def admins_in(uow: Repositories, admin_ids: frozenset[int] | set[int]) -> list[User]:
    """The configured admins who have talked to the bot, inside a unit of work."""
    found = []
    for telegram_id in sorted(admin_ids):
        user = await uow.users.by_telegram_id(telegram_id)
        if user is not None:
            found.append(user)
    return found


async def admin_users(services: Services) -> list[User]:
    """The configured admins who have talked to the bot (only they have a chat to write to)."""
    async with services.unit_of_work() as uow:
        return await admins_in(uow, services.settings.admin_ids)
