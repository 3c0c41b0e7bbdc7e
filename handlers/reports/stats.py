"""/stats: an expert's overview, and a campaign's report with its funnel and timeline charts."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot.context import VitrineContext
from bot.domain.callbacks import decode_as
from bot.domain.errors import DomainError
from bot.reports import views
from bot.reports.callbacks import CampaignExportOpen, CampaignReportOpen
from handlers.keyboards import button, keyboard, rows_of
from handlers.reports.access import campaign_number, owned_campaign, refuse, report_expert

CAMPAIGN_BUTTONS_PER_ROW = 2


def _label(context: VitrineContext, key: str, **params: object) -> str:
    return context.services.texts.label(context.language, f"report.{key}", **params)


async def stats(update: Update, context: VitrineContext) -> None:
    """/stats shows the overview; /stats <campaign id> shows that campaign's report."""
    expert = await report_expert(update, context)
    if expert is None:
        return
    if context.args:
        campaign_id = campaign_number(context.args[0])
        if campaign_id is None:
            await refuse(update, context, "stats_usage")
            return
        await send_campaign_report(update, context, campaign_id)
        return
    services = context.services
    timezone = views.zone(context.user.timezone)
    overview = await services.repos.analytics.expert_overview(expert.id)
    text = views.overview_text(services, overview, context.language, timezone, expert.handle)
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
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(rows_of(buttons, CAMPAIGN_BUTTONS_PER_ROW)),
        )


async def report_pressed(update: Update, context: VitrineContext) -> None:
    """A campaign button of /stats (or Refresh under a report): answer, then send the report."""
    query = update.callback_query
    if query is None:
        return
    try:
        value = decode_as(CampaignReportOpen, query.data)
    except DomainError:
        await query.answer()
        return
    await query.answer()
    await send_campaign_report(update, context, value.campaign_id)


async def send_campaign_report(update: Update, context: VitrineContext, campaign_id: int) -> None:
    """Check ownership, then send the funnel (summary as caption) and the timeline as photos."""
    expert = await report_expert(update, context)
    chat = update.effective_chat
    if expert is None or chat is None:
        return
    if not await owned_campaign(update, context, expert, campaign_id):
        return
    report = await views.load_campaign_report(context.services, campaign_id)
    if report is None:  # deleted between the check and the read
        await refuse(update, context, "not_found", campaign_id=campaign_id)
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
        await context.bot.send_message(chat.id, view.summary, parse_mode=ParseMode.HTML)
        caption = view.short_caption
    await context.bot.send_photo(
        chat.id,
        InputFile(view.funnel_png, filename=f"campaign-{campaign_id}-funnel.png"),
        caption=caption,
        parse_mode=ParseMode.HTML,
    )
    await context.bot.send_photo(
        chat.id,
        InputFile(view.timeline_png, filename=f"campaign-{campaign_id}-timeline.png"),
        caption=view.short_caption,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )
