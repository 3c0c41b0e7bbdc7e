"""/agreements: merchants propose commission rates, experts accept or decline, both see terms."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.context import VitrineContext
from bot.domain.callbacks import decode_as
from bot.domain.errors import DomainError
from bot.orders.callbacks import AgreementAnswer
from bot.orders.notices import send_notice
from bot.orders.rates import format_rate, parse_rate_bp
from handlers.keyboards import Keyboard, button, keyboard
from handlers.merchant.shop import own_verified_shop, reply_error
from handlers.ui import reply
from storage.repositories.agreements import Agreement
from storage.repositories.merchants import Merchant

log = logging.getLogger(__name__)

DEFAULT_WORDS = {"default", "all", "默认"}


def answer_keyboard(context: VitrineContext, language: str, agreement: Agreement) -> Keyboard:
    """Accept / Decline for one proposal."""
    labels = context.services.texts.labels(language, "merchant")
    return keyboard(
        [
            [
                button(labels["accept"], AgreementAnswer(agreement.id, True)),
                button(labels["decline"], AgreementAnswer(agreement.id, False)),
            ]
        ]
    )


async def agreements(update: Update, context: VitrineContext) -> None:
    """Show terms (merchant and/or expert view), or propose: `/agreements <default|@handle> <rate>`."""
    args = list(context.args or [])
    if len(args) >= 2:
        await _propose(update, context, args)
        return
    services = context.services
    shops = [m for m in await services.repos.merchants.of_user(context.user.id) if m.is_active]
    expert = await services.repos.experts.by_user(context.user.id)
    if not shops and (expert is None or not expert.is_active):
        await reply(update, context, "merchant/agreements_help")
        return
    for shop in shops:
        await reply(
            update,
            context,
            "merchant/agreements_merchant",
            shop=shop,
            rows=await services.repos.agreements.of_merchant(shop.id),
            rate=format_rate,
        )
    if expert is not None and expert.is_active:
        rows = await services.repos.agreements.for_expert(expert.id)
        await reply(update, context, "merchant/agreements_expert", rows=rows, rate=format_rate)
        for row in rows:
            if row.status == "proposed":
                await _send_proposal(update, context, row)


async def _send_proposal(update: Update, context: VitrineContext, row: Agreement) -> None:
    text = context.services.texts.render(
        "merchant/proposal", context.language, row=row, rate=format_rate
    )
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=answer_keyboard(context, context.language, row),
    )


async def _propose(update: Update, context: VitrineContext, args: list[str]) -> None:
    shop_arg = args[0] if len(args) >= 3 else None
    target, rate_text = args[-2], args[-1]
    merchant = await own_verified_shop(update, context, shop_arg)
    if merchant is None:
        return
    services = context.services
    try:
        rate_bp = parse_rate_bp(rate_text)
        expert_id = None
        if target.lower() not in DEFAULT_WORDS:
            expert = await services.repos.experts.by_handle(target.lstrip("@")[:64])
            if expert is None or not expert.is_active:
                raise DomainError("merchant.unknown_expert", handle=target.lstrip("@")[:64])
            expert_id = expert.id
    except DomainError as error:
        await reply_error(update, context, error)
        return
    row = await services.repos.agreements.propose(merchant.id, rate_bp, expert_id=expert_id)
    await reply(update, context, "merchant/agreement_proposed", row=row, rate=format_rate)
    if expert_id is not None:
        await _offer_to_expert(context, merchant, row)


async def _offer_to_expert(context: VitrineContext, merchant: Merchant, row: Agreement) -> None:
    """The expert gets the proposal with Accept / Decline buttons."""
    services = context.services
    assert row.expert_id is not None
    expert = await services.repos.experts.get(row.expert_id)
    user = await services.repos.users.get(expert.user_id) if expert else None
    if user is None or user.telegram_id is None:
        return
    text = services.texts.render("merchant/proposal", user.language, row=row, rate=format_rate)
    await send_notice(
        context.application,
        services,
        kind="agreement_offer",
        chat_id=user.telegram_id,
        text=text,
        dedup_key=f"agreement-offer:{row.id}",
        user_id=user.id,
        reply_markup=answer_keyboard(context, user.language, row),
    )


async def answer(update: Update, context: VitrineContext) -> None:
    """The expert's Accept / Decline; only the addressed expert's press counts, and only once."""
    query = update.callback_query
    assert query is not None
    services = context.services
    try:
        value = decode_as(AgreementAnswer, query.data)
    except DomainError:
        await query.answer()
        return
    expert = await services.repos.experts.by_user(context.user.id)
    decided = None
    if expert is not None:
        decided = await services.repos.agreements.decide(
            value.agreement_id, expert_id=expert.id, accept=value.accept
        )
    if decided is None:
        await query.answer(
            services.texts.render(
                "merchant/errors", context.language, code="agreement.closed", p={}
            )
        )
        return
    await query.answer()
    text = services.texts.render(
        "merchant/agreement_decided", context.language, row=decided, rate=format_rate
    )
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)
    except TelegramError:
        log.info("could not update the proposal message")
    merchant = await services.repos.merchants.get(decided.merchant_id)
    owner = await services.repos.users.get(merchant.user_id) if merchant else None
    if owner is not None and owner.telegram_id is not None:
        await send_notice(
            context.application,
            services,
            kind="agreement_answer",
            chat_id=owner.telegram_id,
            text=services.texts.render(
                "merchant/agreement_decided", owner.language, row=decided, rate=format_rate
            ),
            dedup_key=f"agreement-answer:{decided.id}",
            user_id=owner.id,
        )
