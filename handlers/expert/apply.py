"""/become_expert: handle, display name, vertical, ability tags and bio, then the admins decide."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.admin.notices import admin_users, send_notice
from bot.context import VitrineContext
from bot.domain.callbacks import AdminApprove, AdminReject, callback_pattern, decode
from bot.domain.errors import DomainError
from bot.domain.verticals import VERTICALS, get_vertical
from bot.experts.applications import check_handle_free, submit_application
from bot.experts.callbacks import ApplyTag, ApplyTagsDone, ApplyVertical
from bot.experts.cards import render_expert_card, tag_labels, vertical_label
from bot.experts.rules import MAX_TAGS, toggle_tag, validate_bio, validate_display_name
from handlers.expert.common import conversation_handler, error_text, reply_error
from handlers.keyboards import NO_BUTTONS, Keyboard, button, keyboard, rows_of
from handlers.ui import reply
from storage.repositories.experts import Expert

log = logging.getLogger(__name__)

HANDLE, NAME, VERTICAL, TAGS, BIO = "handle", "name", "vertical", "tags", "bio"
DRAFT = "expert_application"  # key in user_data; the application is short, so memory suffices


def _draft(context: VitrineContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})  # type: ignore[union-attr,no-any-return]


async def start_application(update: Update, context: VitrineContext) -> str | int:
    """Explain the role and ask for a handle, unless the user already has a live profile."""
    existing = await context.services.repos.experts.by_user(context.user.id)
    if existing is not None and existing.status != "rejected":
        await reply(update, context, "expert/apply_status", event=existing.status)
        return ConversationHandler.END
    context.user_data[DRAFT] = {}  # type: ignore[index]
    await reply(update, context, "expert/apply_prompt", step=HANDLE)
    return HANDLE


async def got_handle(update: Update, context: VitrineContext) -> str:
    """Check the handle's shape and that nobody else holds it."""
    try:
        handle = await check_handle_free(
            context.services, update.effective_message.text or "", context.user.id
        )  # type: ignore[union-attr]
    except DomainError as error:
        await reply_error(update, context, error)
        return HANDLE
    _draft(context)["handle"] = handle
    await reply(update, context, "expert/apply_prompt", step=NAME)
    return NAME


async def got_name(update: Update, context: VitrineContext) -> str:
    """Keep the display name and offer the verticals."""
    try:
        name = validate_display_name(update.effective_message.text or "")  # type: ignore[union-attr]
    except DomainError as error:
        await reply_error(update, context, error)
        return NAME
    _draft(context)["display_name"] = name
    buttons = [button(v.label(context.language), ApplyVertical(v.key)) for v in VERTICALS]
    text = context.services.texts.render("expert/apply_prompt", context.language, step=VERTICAL)
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        text, parse_mode=ParseMode.HTML, reply_markup=keyboard(rows_of(buttons, 2))
    )
    return VERTICAL


def _tags_screen(context: VitrineContext) -> tuple[str, Keyboard]:
    """The tag-toggling prompt and keyboard for the chosen vertical."""
    draft = _draft(context)
    vertical = get_vertical(draft["vertical"])
    chosen: list[str] = draft.get("tags", [])
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
    rows = [*rows_of(buttons, 2), [done]]
    text = context.services.texts.render(
        "expert/apply_prompt",
        context.language,
        step=TAGS,
        vertical=vertical_label(vertical.key, context.language),
        tags=tag_labels(chosen, context.language),
        max_tags=MAX_TAGS,
    )
    return text, keyboard(rows)


async def got_vertical(update: Update, context: VitrineContext) -> str:
    """Keep the vertical and show its ability tags."""
    query = update.callback_query
    assert query is not None
    try:
        value = decode(query.data)
        assert isinstance(value, ApplyVertical)
        get_vertical(value.vertical)
    except (DomainError, AssertionError):
        await query.answer()
        return VERTICAL
    await query.answer()
    _draft(context).update(vertical=value.vertical, tags=[])
    text, markup = _tags_screen(context)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return TAGS


async def toggled_tag(update: Update, context: VitrineContext) -> str:
    """Add or remove one ability tag and redraw the buttons."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    try:
        value = decode(query.data)
        assert isinstance(value, ApplyTag)
        draft["tags"] = toggle_tag(draft["vertical"], draft.get("tags", []), value.tag)
    except DomainError as error:
        await query.answer(error_text(context, error)[:190], show_alert=True)
        return TAGS
    except (AssertionError, KeyError):
        await query.answer()
        return TAGS
    await query.answer()
    text, markup = _tags_screen(context)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return TAGS


async def tags_done(update: Update, context: VitrineContext) -> str:
    """Require at least one tag, then ask for the bio."""
    query = update.callback_query
    assert query is not None
    if not _draft(context).get("tags"):
        await query.answer(error_text(context, DomainError("tags.none")), show_alert=True)
        return TAGS
    await query.answer()
    await query.edit_message_reply_markup(NO_BUTTONS)
    await reply(update, context, "expert/apply_prompt", step=BIO)
    return BIO


async def got_bio(update: Update, context: VitrineContext) -> str | int:
    """Store the application as pending and tell the admins."""
    draft = _draft(context)
    try:
        bio = validate_bio(update.effective_message.text or "")  # type: ignore[union-attr]
        expert = await submit_application(
            context.services,
            context.user.id,
            handle=draft["handle"],
            display_name=draft["display_name"],
            vertical=draft["vertical"],
            tags=draft["tags"],
            bio=bio,
        )
    except DomainError as error:
        await reply_error(update, context, error)
        if error.code.startswith("handle."):
            await reply(update, context, "expert/apply_prompt", step=HANDLE)
            return HANDLE
        return BIO
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await reply(update, context, "expert/apply_status", event="sent", handle=expert.handle)
    await notify_admins_of_application(context, expert)
    return ConversationHandler.END


async def notify_admins_of_application(context: VitrineContext, expert: Expert) -> None:
    """Send every admin the application card with Approve / Reject buttons."""
    services = context.services
    for admin in await admin_users(services):
        card = await render_expert_card(services, expert, admin.language)
        text = services.texts.render(
            "admin/expert_application", admin.language, card=card, applicant=context.user.first_name
        )
        labels = services.texts.labels(admin.language, "admin")
        markup = keyboard(
            [
                [
                    button(labels["approve"], AdminApprove("expert", expert.id)),
                    button(labels["reject"], AdminReject("expert", expert.id)),
                ]
            ]
        )
        await send_notice(
            services, context.bot, admin, text, kind="expert_application", markup=markup
        )


async def use_buttons(update: Update, context: VitrineContext) -> None:
    """Typed text where a button is expected."""
    await reply(update, context, "expert/apply_status", event="use_buttons")


async def cancel(update: Update, context: VitrineContext) -> int:
    """Drop the application in progress."""
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await reply(update, context, "expert/apply_status", event="cancelled")
    return ConversationHandler.END


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """The /become_expert conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return conversation_handler(
        entry_points=[CommandHandler("become_expert", start_application)],
        states={
            HANDLE: [MessageHandler(text, got_handle)],
            NAME: [MessageHandler(text, got_name)],
            VERTICAL: [
                CallbackQueryHandler(got_vertical, pattern=callback_pattern(ApplyVertical)),
                MessageHandler(text, use_buttons),
            ],
            TAGS: [
                CallbackQueryHandler(toggled_tag, pattern=callback_pattern(ApplyTag)),
                CallbackQueryHandler(tags_done, pattern=callback_pattern(ApplyTagsDone)),
                MessageHandler(text, use_buttons),
            ],
            BIO: [MessageHandler(text, got_bio)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        allow_reentry=True,
        name="become_expert",
    )
