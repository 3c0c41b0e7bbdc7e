"""Handlers everyone uses: loading the user, /start, /help, the fallbacks and the error handler."""

from __future__ import annotations

import html
import logging
import re

from telegram import Chat, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import people
from bot.context import VitrineContext
from bot.menus import roles_of
from handlers.keyboards import keyboard
from handlers.ui import reply, show_text

log = logging.getLogger(__name__)

DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Bot API refusals that mean the update named something gone: a press or inline query answered
# too late (or an id Telegram never issued), a message deleted before the edit.
EXPIRED_REFERENCES = ("query is too old", "message to edit not found")


def _update_id(update: object) -> object:
    return update.update_id if isinstance(update, Update) else type(update).__name__


async def load_user(update: Update, context: VitrineContext) -> None:
    """Find or create the Vitrine user behind every update (runs before all other handlers)."""
    tg_user = update.effective_user
    chat = update.effective_chat
    if tg_user is None or tg_user.is_bot or (chat is not None and chat.type != Chat.PRIVATE):
        # Vitrine talks to people in private chats only: a reply in a group or channel would
        # show a person's cart, orders or data to everyone there. Nothing else runs.
        raise ApplicationHandlerStop
    context.vitrine_user = await people.meet(
        context.services,
        telegram_id=tg_user.id,
        first_name=tg_user.first_name,
        username=tg_user.username,
        language_code=tg_user.language_code,
    )


async def start(update: Update, context: VitrineContext) -> None:
    """Greet the user; a deep link to an expert follows them, an unknown one gets a friendly word."""
    # Imported here: the fan handlers import this module's helpers.
    from handlers.fan import onboarding

    payload = context.args[0] if context.args else None
    if payload is not None and not DEEP_LINK_PAYLOAD.match(payload):
        log.info("malformed deep-link payload ignored")
    followed = await onboarding.start(update, context, payload, DEEP_LINK_PAYLOAD)
    if not followed:
        from handlers.fan.ui import app_button

        text = context.services.texts.render(
            "common/start",
            context.language,
            first_name=context.user.first_name,
            returning=context.user.onboarded,
            unknown_payload=payload is not None,
        )
        opener = app_button(context)
        await show_text(update, context, text, keyboard([[opener]]) if opener else None, edit=False)
    first_time = await people.greeted(context.services, user_id=context.user.id)
    await onboarding.ask_interests_once(update, context, first_time)


async def help_command(update: Update, context: VitrineContext) -> None:
    """List the commands of the person's roles (their menu), in their language."""
    roles = await roles_of(context.services, context.user)
    sections = context.services.texts.command_sections(context.language, roles)
    await reply(update, context, "common/help", sections=sections)


async def unknown_command(update: Update, context: VitrineContext) -> None:
    """Any command no other handler took."""
    text = update.effective_message.text or "" if update.effective_message else ""
    command = text.split()[0].split("@")[0][:32] if text else "/"
    await reply(update, context, "common/unknown_command", command=command)


async def unexpected_message(update: Update, context: VitrineContext) -> None:
    """Free text or media outside any conversation."""
    await reply(update, context, "common/unexpected_message")


async def on_error(update: object, context: VitrineContext) -> None:
    """Log every handler error with its context and apologise to the user, never stay silent."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        # The user blocked the bot while we were answering: remember it, nobody to apologise to.
        await people.blocked_us(context.services, telegram_id=update.effective_user.id)
        return
    if isinstance(error, BadRequest) and any(
        gone in error.message.lower() for gone in EXPIRED_REFERENCES
    ):
        # The person has moved on (or the update was forged): nothing to apologise for.
        log.info("update %s named something gone: %s", _update_id(update), error.message)
        return
    log.error(
        "handler failed for update %s",
        update.update_id if isinstance(update, Update) else type(update).__name__,
        exc_info=error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = context.language
    if context.vitrine_user is None and update.effective_user is not None:
        # The error handler gets a fresh context: find the person's language again.
        known = await people.language_of(context.services, telegram_id=update.effective_user.id)
        language = known or language
    try:
        text = context.services.texts.render("common/error", language)
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not deliver the apology for update %s", update.update_id)
    except Exception:  # the apology must never raise out of the error handler
        log.exception("apology rendering failed")
        await context.bot.send_message(
            update.effective_chat.id, html.escape("Sorry — please try again.")
        )
