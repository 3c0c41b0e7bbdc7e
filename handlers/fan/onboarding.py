"""/start for fans: follow the expert named by a deep link, show their window, ask interests once."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import VitrineContext
from bot.fan import follows as follow_service
from handlers.fan.experts import card_keyboard, vertical_label
from handlers.fan.interests import show_interests
from handlers.fan.ui import render
from handlers.fan.window import show_window
from handlers.ui import show_text
from storage.repositories.experts import Expert

log = logging.getLogger(__name__)


async def _expert_named(
    context: VitrineContext, payload: str | None, pattern: object
) -> Expert | None:
    if payload is None or not pattern.match(payload):  # type: ignore[attr-defined]
        return None
    expert = await context.services.repos.experts.by_handle(payload)
    return expert if expert is not None and expert.is_active else None


async def start(
    update: Update, context: VitrineContext, payload: str | None, pattern: object
) -> bool:
    """Welcome the fan; True if a valid deep link was followed (else the caller greets as usual).

    The first /start of a person also asks their interests, once.
    """
    expert = await _expert_named(context, payload, pattern)
    if expert is None:
        return False
    repos = context.services.repos
    created = await follow_service.follow(repos, context.user.id, expert, "deep_link")
    _following, muted = await repos.follows.status(context.user.id, expert.id)
    text = render(
        context,
        "welcome_expert",
        first_name=context.user.first_name,
        returning=context.user.onboarded,
        already=not created,
        expert_name=expert.display_name,
        handle=expert.handle,
        vertical_label=vertical_label(expert.vertical, context.language),
        bio=expert.bio,
    )
    keyboard = card_keyboard(context, expert, following=True, muted=muted, source="link")
    await show_text(update, context, text, keyboard, edit=False)
    await show_window(update, context, expert, 0, edit=False)
    return True


async def ask_interests_once(update: Update, context: VitrineContext, first_time: bool) -> None:
    """During onboarding (the first /start) ask for interests."""
    if first_time:
        await show_interests(update, context, vertical="", onboarding=True, edit=False)
