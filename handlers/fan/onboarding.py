"""/start for fans: follow the expert named by a deep link, show their window, ask interests once."""

from __future__ import annotations

import logging
import re

from telegram import Update

from bot.context import VitrineContext
from bot.domain.errors import DomainError
from bot.fan import follows
from handlers.fan.experts import card_keyboard, vertical_label
from handlers.fan.interests import show_interests
from handlers.fan.ui import render, with_app_button
from handlers.fan.window import draw_window
from handlers.ui import show_text

log = logging.getLogger(__name__)


async def start(
    update: Update, context: VitrineContext, payload: str | None, pattern: re.Pattern[str]
) -> bool:
    """Welcome the fan; True if a valid deep link was followed (else the caller greets as usual).

    The first /start of a person also asks their interests, once.
    """
    if payload is None or not pattern.match(payload):
        return False
    try:
        followed = await follows.follow_from_link(
            context.services, fan_id=context.user.id, handle=payload
        )
    except DomainError:
        return False  # nobody active has that handle: the usual greeting
    expert = followed.card.expert
    text = render(
        context,
        "welcome_expert",
        first_name=context.user.first_name,
        returning=context.user.onboarded,
        already=not followed.created,
        expert_name=expert.display_name,
        handle=expert.handle,
        vertical_label=vertical_label(expert.vertical, context.language),
        bio=expert.bio,
    )
    keyboard = with_app_button(
        context,
        card_keyboard(context, expert, following=True, muted=followed.card.muted, source="link"),
        handle=expert.handle,
    )
    await show_text(update, context, text, keyboard, edit=False)
    await draw_window(update, context, followed.window, edit=False)
    return True


async def ask_interests_once(update: Update, context: VitrineContext, first_time: bool) -> None:
    """During onboarding (the first /start) ask for interests."""
    if first_time:
        await show_interests(update, context, vertical="", onboarding=True, edit=False)
