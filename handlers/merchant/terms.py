"""/agreements: merchants propose commission rates, experts accept or decline, both see terms."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import VitrineContext
from bot.domain.errors import DomainError
from bot.merchants import terms
from bot.merchants.terms import Agreement
from bot.orders.callbacks import AgreementAnswer
from bot.orders.notices import send_notice
from bot.orders.rates import format_rate
from handlers.keyboards import Keyboard, button, keyboard
from handlers.merchant.shop import reply_error
from handlers.ui import answer as answer_press
from handlers.ui import decoded, reply

log = logging.getLogger(__name__)


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
    view = await terms.terms_view(context.services, user_id=context.user.id)
    if view.empty:
        await reply(update, context, "merchant/agreements_help")
        return
    for entry in view.shops:
        await reply(
            update,
            context,
            "merchant/agreements_merchant",
            shop=entry.shop,
            rows=entry.rows,
            rate=format_rate,
        )
    if view.expert_rows is not None:
        await reply(
            update, context, "merchant/agreements_expert", rows=view.expert_rows, rate=format_rate
        )
        for row in view.open_proposals:
            await _send_proposal(update, context, row)


async def _send_proposal(update: Update, context: VitrineContext, row: Agreement) -> None:
    message = update.effective_message
    if message is None:
        return
    text = context.services.texts.render(
        "merchant/proposal", context.language, row=row, rate=format_rate
    )
    await message.reply_text(text, reply_markup=answer_keyboard(context, context.language, row))


async def _propose(update: Update, context: VitrineContext, args: list[str]) -> None:
    services = context.services
    try:
        proposed = await terms.propose_terms(
            services,
            user_id=context.user.id,
            shop_arg=args[0] if len(args) >= 3 else None,
            target=args[-2],
            rate_text=args[-1],
        )
    except DomainError as error:
        await reply_error(update, context, error)
        return
    await reply(update, context, "merchant/agreement_proposed", row=proposed.row, rate=format_rate)
    expert = proposed.offer_to
    if expert is None:
        return
    # The expert gets the proposal with Accept / Decline buttons.
    await send_notice(
        services,
        kind="agreement_offer",
        chat_id=expert.telegram_id,
        text=services.texts.render(
            "merchant/proposal", expert.language, row=proposed.row, rate=format_rate
        ),
        dedup_key=f"agreement-offer:{proposed.row.id}",
        user_id=expert.user_id,
        reply_markup=answer_keyboard(context, expert.language, proposed.row),
    )


async def answer(update: Update, context: VitrineContext) -> None:
    """The expert's Accept / Decline; only the addressed expert's press counts, and only once."""
    query = update.callback_query
    value = decoded(update, AgreementAnswer)
    if query is None or value is None:
        await answer_press(update)
        return
    services = context.services
    try:
        answered = await terms.answer_terms(
            services, user_id=context.user.id, agreement_id=value.agreement_id, accept=value.accept
        )
    except DomainError as error:
        await answer_press(
            update,
            services.texts.render(
                "merchant/errors", context.language, code=error.code, p=error.params
            ),
        )
        return
    await answer_press(update)
    text = services.texts.render(
        "merchant/agreement_decided", context.language, row=answered.row, rate=format_rate
    )
    try:
        await query.edit_message_text(text)
    except TelegramError:
        log.info("could not update the proposal message")
    owner = answered.owner
    if owner is not None:
        await send_notice(
            services,
            kind="agreement_answer",
            chat_id=owner.telegram_id,
            text=services.texts.render(
                "merchant/agreement_decided", owner.language, row=answered.row, rate=format_rate
            ),
            dedup_key=f"agreement-answer:{answered.row.id}",
            user_id=owner.user_id,
        )
