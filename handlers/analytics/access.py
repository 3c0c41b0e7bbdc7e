"""What the statistics handlers share: the refusal in the user's language, and campaign numbers.

Who may read which report is decided by the use cases (bot/analytics/service.py); a refusal
comes back as DomainError("report.<code>") and is worded by templates/messages/report/refusal.j2.
"""

from __future__ import annotations

from telegram import Update

from bot.context import VitrineContext
from bot.domain.errors import DomainError
from bot.domain.numbers import MAX_ID, whole_number


async def refuse(update: Update, context: VitrineContext, code: str, **values: object) -> None:
    """Explain, in the user's language, why nothing was shown and how to get there."""
    text = context.services.texts.render("report/refusal", context.language, code=code, **values)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text)


async def refuse_error(update: Update, context: VitrineContext, error: DomainError) -> None:
    """The refusal a use case raised ("report.not_owner" → code "not_owner", with its params)."""
    await refuse(update, context, error.code.removeprefix("report."), **error.params)


def campaign_number(text: str) -> int | None:
    """A campaign id typed by a person ("12" or "#12"), or None if it is not one."""
    # ASCII digits only: "²" passes isdigit() and breaks int().
    return whole_number(text.strip().removeprefix("#"), low=1, high=MAX_ID)
