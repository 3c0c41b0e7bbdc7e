"""/mydata (a JSON export), /forget (with confirmation), and noticing a fan who blocked the bot."""

from __future__ import annotations

import json
import time

from telegram import Update
from telegram.constants import ChatMemberStatus

from bot.context import VitrineContext
from bot.domain.callbacks import ForgetCancel, ForgetConfirm
from bot.fan import privacy
from handlers.fan.ui import label, notice, render, stale
from handlers.keyboards import button, keyboard
from handlers.ui import answer, decoded, show_text

FORGET_CONFIRMATION_SECONDS = 600  # an older confirmation button must be asked again


async def mydata_command(update: Update, context: VitrineContext) -> None:
    """/mydata: everything we store about the fan, as a JSON document."""
    chat = update.effective_chat
    if chat is None:
        return
    data = await privacy.export_my_data(context.services, user_id=context.user.id)
    document = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    await context.bot.send_document(
        chat.id,
        document,
        filename="vitrine-my-data.json",
        caption=render(context, "mydata"),
    )


async def forget_command(update: Update, context: VitrineContext) -> None:
    """/forget: ask for confirmation first."""
    markup = keyboard(
        [
            [button(label(context, "fan.forget_yes"), ForgetConfirm(int(time.time())))],
            [button(label(context, "fan.forget_no"), ForgetCancel())],
        ]
    )
    await show_text(update, context, render(context, "forget", step="confirm"), markup, edit=False)


async def forget_confirm(update: Update, context: VitrineContext) -> None:
    """Delete the fan's personal data (orders and clicks stay, anonymised)."""
    data = decoded(update, ForgetConfirm)
    if data is None:
        await stale(update, context)
        return
    if not 0 <= time.time() - data.issued_at <= FORGET_CONFIRMATION_SECONDS:
        await answer(update, notice(context, "forget_expired"), alert=True)
        return
    text = render(context, "forget", step="done")
    await privacy.forget_me(context.services, user_id=context.user.id)
    await answer(update)
    await show_text(update, context, text)


async def forget_cancel(update: Update, context: VitrineContext) -> None:
    """Keep everything."""
    await answer(update)
    await show_text(update, context, render(context, "forget", step="cancelled"))


async def chat_member_changed(update: Update, context: VitrineContext) -> None:
    """The fan blocked (or unblocked) the bot: stop or resume sending; their data stays."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    if change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await privacy.bot_blocked(context.services, telegram_id=change.from_user.id)
