"""/campaigns: the expert's campaigns with Pause / Resume / Cancel buttons."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import local_formatter, now_utc
from bot.context import VitrineContext
from bot.domain.callbacks import CampaignCancel, CampaignPause, CampaignResume, decode
from bot.domain.errors import DomainError
from handlers.expert.common import active_expert
from handlers.keyboards import Button, Keyboard, button, keyboard
from storage.repositories.campaigns import Campaign

LISTED = 8


def _keyboard(context: VitrineContext, campaigns: list[Campaign]) -> Keyboard:
    def label(key: str, c: Campaign) -> str:
        return context.services.texts.label(context.language, f"campaign.{key}", id=c.id)

    rows: list[list[Button]] = []
    for campaign in campaigns:
        row = []
        if campaign.status in ("running", "scheduled"):
            row.append(button(label("pause", campaign), CampaignPause(campaign.id)))
        if campaign.status == "paused":
            row.append(button(label("resume", campaign), CampaignResume(campaign.id)))
        if campaign.status in ("running", "scheduled", "paused"):
            row.append(button(label("cancel", campaign), CampaignCancel(campaign.id, False)))
        rows.append(row)
    return keyboard(rows)


async def _render_list(context: VitrineContext, expert_id: int) -> tuple[str, Keyboard]:
    campaigns = await context.services.repos.campaigns.for_expert(expert_id, limit=LISTED)
    counts = {c.id: await context.services.repos.outbox.campaign_counts(c.id) for c in campaigns}
    text = context.services.texts.render(
        "campaign/list",
        context.language,
        campaigns=campaigns,
        counts=counts,
        local=local_formatter(context.user.timezone),
    )
    return text, _keyboard(context, campaigns)


async def list_campaigns(update: Update, context: VitrineContext) -> None:
    """List the expert's latest campaigns."""
    message = update.effective_message
    if message is None:
        return
    expert = await active_expert(update, context)  # suspended experts are told so, and why
    if expert is None:
        return
    text, markup = await _render_list(context, expert.id)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def steer(update: Update, context: VitrineContext) -> None:
    """Pause, resume or cancel (after a confirmation) one of the presser's own campaigns."""
    query = update.callback_query
    assert query is not None
    try:
        value = decode(query.data)
    except DomainError:
        await query.answer(context.services.texts.label(context.language, "campaign.stale"))
        return
    expert = await context.services.repos.experts.by_user(context.user.id)
    campaign_id = getattr(value, "campaign_id", None)
    campaign = await context.services.repos.campaigns.get(campaign_id) if campaign_id else None
    if expert is None or campaign is None or campaign.expert_id != expert.id:
        await query.answer(context.services.texts.label(context.language, "campaign.stale"))
        return
    runtime = campaigns_of(context.bot_data)
    if isinstance(value, CampaignCancel) and not value.confirmed:
        await query.answer()
        text = context.services.texts.render(
            "campaign/cancel_confirm", context.language, campaign=campaign
        )
        yes = context.services.texts.label(context.language, "campaign.cancel_yes")
        markup = keyboard([[button(yes, CampaignCancel(campaign.id, True))]])
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return
    if isinstance(value, CampaignPause):
        changed = await runtime.service.pause(campaign.id)
    elif isinstance(value, CampaignResume):
        if not expert.is_active:  # a suspended expert's campaigns stay paused
            refusal = context.services.texts.render("campaign/resume_refused", context.language)
            await query.answer(refusal, show_alert=True)
            return
        changed = await runtime.service.resume(campaign.id) is not None
        if changed:
            runtime.dispatcher.wake()
            fresh = await context.services.repos.campaigns.get(campaign.id)
            if fresh is not None and fresh.status == "scheduled" and fresh.starts_at:
                runtime.arm_start(fresh.id, fresh.starts_at)
    else:
        changed = await runtime.service.cancel(campaign.id, now_utc())
    await query.answer(
        context.services.texts.label(
            context.language, "campaign.changed" if changed else "campaign.stale"
        )
    )
    await runtime.refresh_progress(campaign.id)
    text, markup = await _render_list(context, expert.id)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
