"""/become_expert as a flow: handle, display name, vertical, ability tags and bio, then the
admins decide.

The answers so far live in the flow's position (handlers/flows.py), so a restart loses nothing;
a button counts only at the step its message belongs to; /cancel drops the application; left
alone for APPLY_TIMEOUT (by the stored clock), it ends at the next message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.admin.notices import send_notice
from bot.context import VitrineContext
from bot.conversations import Position
from bot.domain.callbacks import AdminApprove, AdminReject, callback_pattern
from bot.domain.errors import DomainError
from bot.domain.verticals import VERTICALS, get_vertical, is_vertical
from bot.experts.access import Expert
from bot.experts.applications import (
    application_notices,
    check_handle_free,
    start_application,
    submit_application,
)
from bot.experts.callbacks import ApplyTag, ApplyTagsDone, ApplyVertical
from bot.experts.cards import tag_labels, vertical_label
from bot.experts.rules import MAX_TAGS, toggle_tag, validate_bio, validate_display_name
from handlers.expert.common import alert_error, reply_error
from handlers.flows import Done, Flow, Next, Outcome, Stay, at, begin, define, go
from handlers.keyboards import NO_BUTTONS, Keyboard, button, keyboard, rows_of
from handlers.ui import answer, decoded, reply, show_text

log = logging.getLogger(__name__)

HANDLE, NAME, VERTICAL, TAGS, BIO = "handle", "name", "vertical", "tags", "bio"
APPLY_TIMEOUT = timedelta(minutes=30)  # left alone this long, the application is dropped


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


def _tags(data: object) -> list[str]:
    """The chosen tags kept in the flow (a damaged value counts as none chosen)."""
    return [t for t in data if isinstance(t, str)] if isinstance(data, list) else []


async def start(update: Update, context: VitrineContext) -> None:
    """Explain the role and ask for a handle, unless the user already has a live profile."""
    try:
        await start_application(context.services, user_id=context.user.id)
    except DomainError as error:
        await reply(update, context, "expert/apply_status", event=error.params.get("status"))
        return
    await begin(context, APPLY, HANDLE)
    await reply(update, context, "expert/apply_prompt", step=HANDLE)


async def got_handle(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Check the handle's shape and that nobody else holds it."""
    try:
        handle = await check_handle_free(context.services, _text(update), context.user.id)
    except DomainError as error:
        await reply_error(update, context, error)
        return Stay()
    ask = partial(reply, update, context, "expert/apply_prompt", step=NAME)
    return Next(NAME, {"handle": handle}, ask=ask)


async def got_name(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Keep the display name and offer the verticals."""
    try:
        name = validate_display_name(_text(update))
    except DomainError as error:
        await reply_error(update, context, error)
        return Stay()
    buttons = [button(v.label(context.language), ApplyVertical(v.key)) for v in VERTICALS]
    text = context.services.texts.render("expert/apply_prompt", context.language, step=VERTICAL)
    ask = partial(show_text, update, context, text, keyboard(rows_of(buttons, 2)), edit=False)
    return Next(VERTICAL, {"display_name": name}, ask=ask)


def _tags_screen(
    context: VitrineContext, vertical_key: str, chosen: Sequence[str]
) -> tuple[str, Keyboard]:
    """The tag-toggling prompt and keyboard for the chosen vertical."""
    vertical = get_vertical(vertical_key)
    buttons = [
        button(
            context.services.texts.label(
                context.language, "expert.tag_on", name=tag.label(context.language)
            )
            if tag.key in chosen
            else tag.label(context.language),
            ApplyTag(tag.key),
        )
        for tag in vertical.tags
    ]
    done = button(
        context.services.texts.label(context.language, "expert.tags_done"), ApplyTagsDone()
    )
    text = context.services.texts.render(
        "expert/apply_prompt",
        context.language,
        step=TAGS,
        vertical=vertical_label(vertical.key, context.language),
        tags=tag_labels(list(chosen), context.language),
        max_tags=MAX_TAGS,
    )
    return text, keyboard([*rows_of(buttons, 2), [done]])


async def _outdated(update: Update, context: VitrineContext) -> None:
    """A button of a step that is over (or of an application that ended)."""
    await answer(
        update,
        context.services.texts.render("expert/window_notice", context.language, event="stale"),
    )


async def got_vertical(update: Update, context: VitrineContext) -> None:
    """Keep the vertical and show its ability tags."""
    press = decoded(update, ApplyVertical)
    current = await at(context, APPLY, VERTICAL)
    if current is None:
        await _outdated(update, context)
        return
    if press is None or not is_vertical(press.vertical):
        await answer(update)
        return
    await answer(update)
    # Moved first: a tag pressed as soon as the buttons show finds the step open.
    await go(context, current, Next(TAGS, {"vertical": press.vertical, "tags": []}))
    text, markup = _tags_screen(context, press.vertical, [])
    await show_text(update, context, text, markup)


async def toggled_tag(update: Update, context: VitrineContext) -> None:
    """Add or remove one ability tag and redraw the buttons."""
    press = decoded(update, ApplyTag)
    current = await at(context, APPLY, TAGS)
    if current is None:
        await _outdated(update, context)
        return
    vertical = str(current.data.get("vertical", ""))
    if press is None or not is_vertical(vertical):
        await answer(update)
        return
    try:
        tags = toggle_tag(vertical, _tags(current.data.get("tags")), press.tag)
    except DomainError as error:
        await alert_error(update, context, error)
        return
    await answer(update)
    await go(context, current, Next(TAGS, {"tags": tags}))
    text, markup = _tags_screen(context, vertical, tags)
    await show_text(update, context, text, markup)


async def tags_done(update: Update, context: VitrineContext) -> None:
    """Require at least one tag, then ask for the bio."""
    current = await at(context, APPLY, TAGS)
    if current is None:
        await _outdated(update, context)
        return
    if not _tags(current.data.get("tags")):
        await alert_error(update, context, DomainError("tags.none"))
        return
    await answer(update)
    await go(context, current, Next(BIO))
    query = update.callback_query
    if query is not None:
        await query.edit_message_reply_markup(NO_BUTTONS)
    await reply(update, context, "expert/apply_prompt", step=BIO)


async def got_bio(update: Update, context: VitrineContext, current: Position) -> Outcome:
    """Store the application as pending and tell the admins."""
    data = current.data
    try:
        bio = validate_bio(_text(update))
        expert = await submit_application(
            context.services,
            context.user.id,
            handle=str(data.get("handle", "")),
            display_name=str(data.get("display_name", "")),
            vertical=str(data.get("vertical", "")),
            tags=_tags(data.get("tags")),
            bio=bio,
        )
    except DomainError as error:
        await reply_error(update, context, error)
        if error.code.startswith("handle."):
            return Next(
                HANDLE, ask=partial(reply, update, context, "expert/apply_prompt", step=HANDLE)
            )
        if error.code == "apply.already":
            return Done()
        return Stay()
    await reply(update, context, "expert/apply_status", event="sent", handle=expert.handle)
    await notify_admins_of_application(context, expert)
    return Done()


async def notify_admins_of_application(context: VitrineContext, expert: Expert) -> None:
    """Send every admin the application card with Approve / Reject buttons."""
    services = context.services
    for notice in await application_notices(services, expert):
        language = notice.admin.language
        text = services.texts.render(
            "admin/expert_application",
            language,
            card=notice.card,
            applicant=context.user.first_name,
        )
        labels = services.texts.labels(language, "admin")
        markup = keyboard(
            [
                [
                    button(labels["approve"], AdminApprove("expert", expert.id)),
                    button(labels["reject"], AdminReject("expert", expert.id)),
                ]
            ]
        )
        await send_notice(
            services, context.bot, notice.admin, text, kind="expert_application", markup=markup
        )


async def use_buttons(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Typed text where a button is expected."""
    await reply(update, context, "expert/apply_status", event="use_buttons")
    return Stay()


async def _cancelled(update: Update, context: VitrineContext, _at: Position) -> None:
    await reply(update, context, "expert/apply_status", event="cancelled")


async def _expired(update: Update, context: VitrineContext, _at: Position) -> None:
    minutes = int(APPLY_TIMEOUT.total_seconds() // 60)
    await reply(update, context, "expert/apply_status", event="expired", minutes=minutes)


APPLY = define(
    Flow(
        name="become_expert",
        timeout=APPLY_TIMEOUT,
        steps={
            HANDLE: got_handle,
            NAME: got_name,
            VERTICAL: use_buttons,
            TAGS: use_buttons,
            BIO: got_bio,
        },
        cancelled=_cancelled,
        expired=_expired,
    )
)


def handlers() -> list[
    CommandHandler[VitrineContext, None] | CallbackQueryHandler[VitrineContext, None]
]:
    """/become_expert and the buttons of its steps."""
    return [
        CommandHandler("become_expert", start),
        CallbackQueryHandler(got_vertical, pattern=callback_pattern(ApplyVertical)),
        CallbackQueryHandler(toggled_tag, pattern=callback_pattern(ApplyTag)),
        CallbackQueryHandler(tags_done, pattern=callback_pattern(ApplyTagsDone)),
    ]
