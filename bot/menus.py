"""Each person's command menu: the fan menu for everyone, their roles' commands on top.

The default menus (no scope, one per language) are the fan menu, published at start-up
(`bot.app.register_commands`). A person with a role — a verified expert, a verified merchant, an
admin — gets a menu of their own in their private chat (`BotCommandScopeChat`, no language code,
written in their Vitrine language), which Telegram shows before any default menu. It is set when
the role changes (`refresh_menu`), never for everyone at every start; when the role is gone, the
chat's own menu is deleted and the default fan menu shows again. /help lists the same commands.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

if TYPE_CHECKING:
    from bot.context import VitrineContext
    from bot.services import Services
    from storage.repositories.users import User

log = logging.getLogger(__name__)

FAN_ONLY = frozenset({"fan"})
# bot_data: the admins whose menu this process has set (admins come from the configuration,
# which may have changed while the bot was down, so "seen" is per process, not stored).
ADMINS_SEEN = "menus_admins_seen"


async def roles_of(services: Services, user: User) -> frozenset[str]:
    """What the person is now: always a fan; an expert or merchant once verified (not while
    pending, rejected or suspended); an admin when their Telegram id is configured."""
    roles = {"fan"}
    expert = await services.repos.experts.by_user(user.id)
    if expert is not None and expert.is_active:
        roles.add("expert")
    if any(shop.is_active for shop in await services.repos.merchants.of_user(user.id)):
        roles.add("merchant")
    if user.telegram_id is not None and services.is_admin(user.telegram_id):
        roles.add("admin")
    return frozenset(roles)


async def refresh_menu(bot: Bot, services: Services, user_id: int | None) -> bool:
    """Make this person's menu what their roles are now, in their language.

    Call it after anything that changes a role. Returns whether Telegram took the change; a
    failure (they never opened the chat, Telegram refused) is logged and never undoes the role
    change that caused it.
    """
    user = await services.repos.users.get(user_id) if user_id is not None else None
    if user is None or user.telegram_id is None:
        return False
    roles = await roles_of(services, user)
    scope = BotCommandScopeChat(user.telegram_id)
    try:
        if roles == FAN_ONLY:
            await bot.delete_my_commands(scope=scope)  # the default fan menu shows again
        else:
            commands = services.texts.commands(user.language, roles)
            await bot.set_my_commands([BotCommand(c, d) for c, d in commands], scope=scope)
    except TelegramError as error:
        log.info("menu of user %s not set: %s", user.id, error.message)
        return False
    return True


async def admin_seen(context: VitrineContext) -> None:
    """An admin wrote: the first time since the bot started, set their menu (admin commands)."""
    user = context.vitrine_user
    seen: set[int] = context.bot_data.setdefault(ADMINS_SEEN, set())
    if user is None or user.id in seen or not context.services.is_admin(user.telegram_id or 0):
        return
    seen.add(user.id)
    await refresh_menu(context.bot, context.services, user.id)
