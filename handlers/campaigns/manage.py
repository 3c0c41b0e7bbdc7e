"""/campaigns: the expert's campaigns with Pause / Resume / Cancel buttons.

Which buttons a campaign gets, who may press them and what each does are the use cases' of
bot/campaigns/service.py; here a press is decoded, handed to one of them, and the list redrawn.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.campaigns import service
from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import CampaignList, Steered, local_formatter, now_utc
from bot.context import VitrineContext
from bot.domain.callbacks import CampaignCancel, CampaignPause, CampaignResume
from bot.domain.campaigns import CampaignAction
from bot.domain.errors import DomainError
from handlers.keyboards import Button, Keyboard, button, keyboard
from handlers.ui import answer, decoded, show_text

Handler = Callable[[Update, VitrineContext], Coroutine[Any, Any, None]]
BUTTONS: dict[CampaignAction, Callable[[int], object]] = {
    CampaignAction.PAUSE: CampaignPause,
    CampaignAction.RESUME: CampaignResume,
    CampaignAction.CANCEL: lambda campaign_id: CampaignCancel(campaign_id, False),
}


def _label(context: VitrineContext, key: str, **params: object) -> str:
    return context.services.texts.label(context.language, f"campaign.{key}", **params)


def _listed(context: VitrineContext, listing: CampaignList) -> tuple[str, Keyboard]:
    """The list's text, and per campaign the buttons of the actions it allows."""
    text = context.services.texts.render(
        "campaign/list",
        context.language,
        entries=listing.entries,
        local=local_formatter(context.user.timezone),
    )
    rows: list[list[Button]] = [
        [
            button(
                _label(context, action, id=entry.campaign.id), BUTTONS[action](entry.campaign.id)
            )
            for action in entry.actions
        ]
        for entry in listing.entries
    ]
    return text, keyboard(rows)


async def list_campaigns(update: Update, context: VitrineContext) -> None:
    """List the expert's latest campaigns."""
    try:
        listing = await service.list_campaigns(context.services, user_id=context.user.id)
    except DomainError as error:  # not a verified expert: told so, and why
        text = context.services.texts.render("expert/not_allowed", context.language, **error.params)
        await show_text(update, context, text)
        return
    text, markup = _listed(context, listing)
    await show_text(update, context, text, markup)


async def _steered(update: Update, context: VitrineContext, steered: Steered) -> None:
    await answer(update, _label(context, "changed" if steered.changed else "stale"))
    text, markup = _listed(context, steered.listing)
    await show_text(update, context, text, markup)


async def pause_pressed(update: Update, context: VitrineContext) -> None:
    """⏸ Pause: hold one of the presser's own campaigns."""
    press = decoded(update, CampaignPause)
    try:
        if press is None:
            raise DomainError("campaign.stale")
        steered = await service.pause_campaign(
            context.services,
            campaigns_of(context.bot_data),
            user_id=context.user.id,
            campaign_id=press.campaign_id,
        )
    except DomainError:
        await answer(update, _label(context, "stale"))
        return
    await _steered(update, context, steered)


async def resume_pressed(update: Update, context: VitrineContext) -> None:
    """▶ Resume: one of the presser's own paused campaigns (not while they are suspended)."""
    press = decoded(update, CampaignResume)
    try:
        if press is None:
            raise DomainError("campaign.stale")
        steered = await service.resume_campaign(
            context.services,
            campaigns_of(context.bot_data),
            user_id=context.user.id,
            campaign_id=press.campaign_id,
        )
    except DomainError as error:
        if error.code == "campaign.expert_inactive":
            refusal = context.services.texts.render("campaign/resume_refused", context.language)
            await answer(update, refusal, alert=True)
        else:
            await answer(update, _label(context, "stale"))
        return
    await _steered(update, context, steered)


async def cancel_pressed(update: Update, context: VitrineContext) -> None:
    """✖ Cancel: first asks to confirm, then stops the campaign for good."""
    press = decoded(update, CampaignCancel)
    if press is not None and not press.confirmed:
        await _ask_cancel(update, context, press.campaign_id)
        return
    try:
        if press is None:
            raise DomainError("campaign.stale")
        steered = await service.cancel_campaign(
            context.services,
            campaigns_of(context.bot_data),
            user_id=context.user.id,
            campaign_id=press.campaign_id,
            now=now_utc(),
        )
    except DomainError:
        await answer(update, _label(context, "stale"))
        return
    await _steered(update, context, steered)


async def _ask_cancel(update: Update, context: VitrineContext, campaign_id: int) -> None:
    try:
        campaign = await service.ask_cancel(
            context.services, user_id=context.user.id, campaign_id=campaign_id
        )
    except DomainError:
        await answer(update, _label(context, "stale"))
        return
    await answer(update)
    text = context.services.texts.render(
        "campaign/cancel_confirm", context.language, campaign=campaign
    )
    yes = button(_label(context, "cancel_yes"), CampaignCancel(campaign.id, True))
    await show_text(update, context, text, keyboard([[yes]]))


PRESSES: tuple[tuple[type, Handler], ...] = (
    (CampaignPause, pause_pressed),
    (CampaignResume, resume_pressed),
    (CampaignCancel, cancel_pressed),
)
