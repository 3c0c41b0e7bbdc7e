"""What the expert handlers share: the role gate, error sentences and the conversation maker."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.context import VitrineContext
from bot.domain.errors import DomainError
from bot.domain.partners import accepted_partner_names
from bot.experts.publishing import partner_whitelist
from handlers.ui import reply
from storage.repositories.experts import Expert


def label(context: VitrineContext, key: str, **params: object) -> str:
    """A button label of the expert screens in the user's language."""
    return context.services.texts.label(context.language, f"expert.{key}", **params)


def error_text(context: VitrineContext, error: DomainError) -> str:
    """The sentence for a DomainError, naming the accepted partners for link errors."""
    return context.services.texts.render(
        "expert/errors",
        context.language,
        code=error.code,
        p=error.params,
        partners=accepted_partner_names(partner_whitelist(context.services)),
    )


async def reply_error(update: Update, context: VitrineContext, error: DomainError) -> None:
    """Reply with the sentence for a DomainError."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(error_text(context, error), parse_mode="HTML")


async def active_expert(update: Update, context: VitrineContext) -> Expert | None:
    """The user's verified expert profile; otherwise explain how to get the role and return None."""
    expert = await context.services.repos.experts.by_user(context.user.id)
    if expert is not None and expert.is_active:
        return expert
    await reply(
        update,
        context,
        "expert/not_allowed",
        status=expert.status if expert else "none",
        reason=(expert.reject_reason or "") if expert and expert.status == "suspended" else "",
    )
    return None


def conversation_handler(**kwargs: Any) -> ConversationHandler:  # type: ignore[type-arg]
    """A ConversationHandler; per-user tracking of button presses is what we want, so PTB's
    per_message advice (meant for bots with many simultaneous menus) is silenced here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(**kwargs)
