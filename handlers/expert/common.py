"""What the expert handlers share: button labels, error sentences and the "not allowed" reply."""

from __future__ import annotations

from telegram import Update

from bot.context import VitrineContext
from bot.domain.errors import DomainError
from bot.domain.partners import accepted_partner_names
from bot.experts.publishing import partner_whitelist
from handlers.ui import answer, reply

NOT_ALLOWED = "expert.not_allowed"  # the code bot/experts/access.py raises for non-experts


def label(context: VitrineContext, key: str, **params: object) -> str:
    """A button label of the expert screens in the user's language."""
    return context.services.texts.label(context.language, f"expert.{key}", **params)


def error_text(context: VitrineContext, error: DomainError) -> str:
    """The sentence for a DomainError, naming the accepted partners for link errors."""
    if error.code == NOT_ALLOWED:
        return context.services.texts.render("expert/not_allowed", context.language, **error.params)
    return context.services.texts.render(
        "expert/errors",
        context.language,
        code=error.code,
        p=error.params,
        partners=accepted_partner_names(partner_whitelist(context.services)),
    )


async def reply_error(update: Update, context: VitrineContext, error: DomainError) -> None:
    """Reply with the sentence for a DomainError ("not allowed" says how to get the role)."""
    if error.code == NOT_ALLOWED:
        await reply(update, context, "expert/not_allowed", **error.params)
        return
    await reply(
        update,
        context,
        "expert/errors",
        code=error.code,
        p=error.params,
        partners=accepted_partner_names(partner_whitelist(context.services)),
    )


async def alert_error(update: Update, context: VitrineContext, error: DomainError) -> None:
    """Answer a button press with the sentence for a DomainError, as an alert."""
    if error.code == NOT_ALLOWED:  # the toast of a button keeps to one short sentence
        error = DomainError("expert.not_active")
    await answer(update, error_text(context, error), alert=True)
