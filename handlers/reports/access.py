"""Who may read which report: the role gates and the campaign ownership check."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.context import VitrineContext
from storage.repositories.experts import Expert

# Suspended experts may still read their own past numbers; they just can't publish.
REPORT_EXPERT_STATUSES = ("verified", "suspended")


async def refuse(update: Update, context: VitrineContext, code: str, **values: object) -> None:
    """Explain, in the user's language, why nothing was shown and how to get there."""
    text = context.services.texts.render("report/refusal", context.language, code=code, **values)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)


async def report_expert(update: Update, context: VitrineContext) -> Expert | None:
    """The user's expert profile if they may read reports; otherwise refuse and return None."""
    expert = await context.services.repos.experts.by_user(context.user.id)
    if expert is not None and expert.status in REPORT_EXPERT_STATUSES:
        return expert
    await refuse(update, context, "not_expert", status=expert.status if expert else "none")
    return None


async def owned_campaign(
    update: Update, context: VitrineContext, expert: Expert, campaign_id: int
) -> bool:
    """True when the campaign exists and is this expert's; otherwise refuse clearly."""
    times = await context.services.repos.analytics.campaign_times(campaign_id)
    if times is None:
        await refuse(update, context, "not_found", campaign_id=campaign_id)
        return False
    if times[0] != expert.id:
        await refuse(update, context, "not_owner", campaign_id=campaign_id)
        return False
    return True


def campaign_number(text: str) -> int | None:
    """A campaign id typed by a person ("12" or "#12"), or None if it is not one."""
    digits = text.strip().removeprefix("#")
    if not digits.isdigit() or len(digits) > 15:
        return None
    return int(digits)
