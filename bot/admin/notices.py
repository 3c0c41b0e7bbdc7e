"""Messages that are not direct replies (admin notices, verdicts) leave through one function."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

if TYPE_CHECKING:
    from telegram import Bot

    from bot.services import Services
    from storage.repositories.users import User

log = logging.getLogger(__name__)


async def send_notice(
    services: Services,
    bot: Bot,
    user: User,
    text: str,
    *,
    kind: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Send `text` to the user's private chat: through the outbox when it exists, else directly."""
    if user.telegram_id is None or user.unreachable:
        return False
    outbox: Any = getattr(services, "outbox", None)
    if outbox is not None:
        params: dict[str, Any] = {
            "chat_id": user.telegram_id,
            "text": text,
            "parse_mode": ParseMode.HTML.value,
            "disable_web_page_preview": True,
        }
        if markup is not None:
            params["reply_markup"] = markup.to_dict()
        return bool(
            await outbox.enqueue(
                kind,
                user.telegram_id,
                {"method": "sendMessage", "params": params},
                f"{kind}:{user.id}:{secrets.token_hex(8)}",
                user_id=user.id,
            )
        )
    try:
        await bot.send_message(
            user.telegram_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            disable_web_page_preview=True,
        )
    except Forbidden:
        await services.repos.users.mark_unreachable(user.telegram_id)
        return False
    except TelegramError:
        log.warning("notice %s to user %s failed", kind, user.id, exc_info=True)
        return False
    return True


async def admin_users(services: Services) -> list[User]:
    """The configured admins who have talked to the bot (only they have a chat to write to)."""
    found = []
    for telegram_id in sorted(services.settings.admin_ids):
        user = await services.repos.users.by_telegram_id(telegram_id)
        if user is not None:
            found.append(user)
    return found
