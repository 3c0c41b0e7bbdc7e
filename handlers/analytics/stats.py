"""/stats: an expert's overview, and a campaign's report with its funnel and timeline charts."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.analytics import service, views
from bot.analytics.callbacks import CampaignExportOpen, CampaignReportOpen
from bot.context import VitrineContext
from bot.domain.errors import DomainError
from handlers.analytics.access import campaign_number, refuse, refuse_error
from handlers.keyboards import button, keyboard, rows_of
from handlers.ui import answer, decoded

CAMPAIGN_BUTTONS_PER_ROW = 2


def _label(context: VitrineContext, key: str, **params: object) -> str:
    return context.services.texts.label(context.language, f"report.{key}", **params)


async def stats(update: Update, context: VitrineContext) -> None:
    """/stats shows the overview; /stats <campaign id> shows that campaign's report."""
    if context.args:
        campaign_id = campaign_number(context.args[0])
        if campaign_id is None:  # a non-expert hears that first, as without an argument
            try:
                await service.check_reader(context.services, user_id=context.user.id)
            except DomainError as error:
                await refuse_error(update, context, error)
                return
            await refuse(update, context, "stats_usage")
            return
        await send_campaign_report(update, context, campaign_id)
        return
    try:
        shown = await service.expert_overview(context.services, user_id=context.user.id)
    except DomainError as error:
        await refuse_error(update, context, error)
        return
    services, overview = context.services, shown.overview
    timezone = views.zone(context.user.timezone)
    text = views.overview_text(services, overview, context.language, timezone, shown.handle)
    kinds = views.kind_names(services, context.language)
    buttons = [
        button(
            _label(context, "open_report", id=c.campaign_id, kind=views.named(kinds, c.kind)),
            CampaignReportOpen(c.campaign_id),
        )
        for c in overview.campaigns
    ]
    if update.effective_chat is not None:
        await context.bot.send_message(
            update.effective_chat.id,
            text,
            reply_markup=keyboard(rows_of(buttons, CAMPAIGN_BUTTONS_PER_ROW)),
        )


async def report_pressed(update: Update, context: VitrineContext) -> None:
    """A campaign button of /stats (or Refresh under a report): answer, then send the report."""
    value = decoded(update, CampaignReportOpen)
    await answer(update)
    if value is not None:
        await send_campaign_report(update, context, value.campaign_id)


async def send_campaign_report(update: Update, context: VitrineContext, campaign_id: int) -> None:
    """Check ownership, then send the funnel (summary as caption) and the timeline as photos."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        report = await service.campaign_report(
            context.services, user_id=context.user.id, campaign_id=campaign_id
        )
    except DomainError as error:
        await refuse_error(update, context, error)
        return
    timezone = views.zone(context.user.timezone)
    view = await views.campaign_view(context.services, report, context.language, timezone)
    markup = keyboard(
        [
            [
                button(_label(context, "refresh"), CampaignReportOpen(campaign_id)),
                button(_label(context, "export"), CampaignExportOpen(campaign_id)),
            ]
        ]
    )
    caption = view.summary
    if not view.summary_fits_caption:
        # Telegram refuses captions over 1024 characters: the summary goes first as a message.
        await context.bot.send_message(chat.id, view.summary)
        caption = view.short_caption
    await context.bot.send_photo(
        chat.id,
        InputFile(view.funnel_png, filename=f"campaign-{campaign_id}-funnel.png"),
        caption=caption,
    )
    await context.bot.send_photo(
        chat.id,
        InputFile(view.timeline_png, filename=f"campaign-{campaign_id}-timeline.png"),
        caption=view.short_caption,
        reply_markup=markup,
    )
