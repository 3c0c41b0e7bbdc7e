"""/become_merchant, the admins' review of a shop, /rotate_secret and handing out credentials."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from telegram import Update
from telegram.error import TelegramError

from bot.context import SERVICES_KEY, VitrineContext
from bot.conversations import Position
from bot.domain.errors import DomainError
from bot.domain.numbers import group_chat_id
from bot.domain.partners import find_partner
from bot.experts.publishing import partner_whitelist
from bot.merchants.shops import (
    Registered,
    check_name,
    check_platform,
    check_shop_id,
    credentials_for_approved,
    platform_label,
    register_shop,
    review_shop,
    rotate_secret,
)
from bot.orders.callbacks import MerchantPlatform, MerchantReview
from bot.orders.notices import send_notice
from handlers.flows import Done, Flow, Next, Outcome, Stay, at, begin, define, go
from handlers.keyboards import NO_BUTTONS, button, keyboard, rows_of
from handlers.ui import answer, decoded, reply

log = logging.getLogger(__name__)

PLATFORM, SHOP, NAME, CHAT = "platform", "shop", "name", "chat"
PROMPT = "merchant/register_prompt"
HERE_WORDS = {"here", "this", "me", "private", "这里", "私聊", "本聊天"}


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def reply_error(update: Update, context: VitrineContext, error: DomainError) -> None:
    """The sentence for a merchant-side DomainError (no verified shop, or which one, have
    screens of their own)."""
    if error.code == "merchant.not_merchant":
        await reply(update, context, "merchant/not_merchant")
    elif error.code == "merchant.pick_shop":
        await reply(update, context, "merchant/pick_shop", shops=error.params.get("shops", ()))
    else:
        await reply(update, context, "merchant/errors", code=error.code, p=error.params)


def _chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None else None


async def start_registration(update: Update, context: VitrineContext) -> None:
    """Ask for the platform (or take `/become_merchant <platform> <shop id> <name>` at once)."""
    args = context.args or []
    if len(args) >= 3:
        try:
            partner_key = check_platform(context.services, args[0])
            shop_id = check_shop_id(args[1])
            name = check_name(" ".join(args[2:]))
        except DomainError as error:
            await reply_error(update, context, error)
            return
        chat_id = _chat_id(update)
        if chat_id is not None:
            await _finish(update, context, partner_key, shop_id, name, chat_id)
        return
    services, language = context.services, context.language
    whitelist = partner_whitelist(services)
    names = [platform_label(services, language, p) for p in whitelist]
    text = services.texts.render(PROMPT, language, step="platform", partners=names)
    buttons = [
        button(name, MerchantPlatform(p.key)) for p, name in zip(whitelist, names, strict=True)
    ]
    message = update.effective_message
    if message is None:
        return
    await begin(context, REGISTRATION, PLATFORM)
    await message.reply_text(text, reply_markup=keyboard(rows_of(buttons, 3)))


async def _platform_chosen(update: Update, context: VitrineContext, partner_key: str) -> Outcome:
    """Keep the platform; ask for the shop id, naming the platform as this interface does."""
    partner = find_partner(partner_key, partner_whitelist(context.services))
    if partner is None:  # check_platform only returns whitelisted keys
        raise DomainError("merchant.bad_platform")
    chosen = platform_label(context.services, context.language, partner)
    ask = partial(reply, update, context, PROMPT, step="shop", partners=[], platform=chosen)
    return Next(SHOP, {"partner_key": partner_key}, ask=ask)


async def got_platform(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """The platform typed by name, in either language ("天猫", "Tmall", "tmall")."""
    try:
        return await _platform_chosen(
            update, context, check_platform(context.services, _text(update))
        )
    except DomainError as error:
        await reply_error(update, context, error)
        return Stay()


async def platform_pressed(update: Update, context: VitrineContext) -> None:
    """The platform chosen with its button; a forged or outdated press gets a short answer."""
    query = update.callback_query
    if query is None:
        return
    current = await at(context, REGISTRATION, PLATFORM)
    value = decoded(update, MerchantPlatform)
    try:
        if current is None:
            raise DomainError("merchant.registration_over")
        if value is None:
            raise DomainError("merchant.bad_platform")
        partner_key = check_platform(context.services, value.partner_key)
    except DomainError as error:
        await answer(
            update,
            context.services.texts.render(
                "merchant/errors", context.language, code=error.code, p=error.params
            ),
        )
        return
    await answer(update)
    await query.edit_message_reply_markup(NO_BUTTONS)  # one choice; the buttons would mislead
    await go(context, current, await _platform_chosen(update, context, partner_key))


async def got_shop(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Keep the shop id; ask for the shop's name."""
    try:
        shop_id = check_shop_id(_text(update))
    except DomainError as error:
        await reply_error(update, context, error)
        return Stay()
    return Next(
        NAME,
        {"shop_id": shop_id},
        ask=partial(reply, update, context, PROMPT, step="name", partners=[]),
    )


async def got_name(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Keep the name; ask where notices should go."""
    try:
        name = check_name(_text(update))
    except DomainError as error:
        await reply_error(update, context, error)
        return Stay()
    return Next(
        CHAT, {"name": name}, ask=partial(reply, update, context, PROMPT, step="chat", partners=[])
    )


async def got_chat(update: Update, context: VitrineContext, current: Position) -> Outcome:
    """This chat, or a group the bot is in (by id); then register and tell the admins."""
    text = _text(update).strip()
    here = _chat_id(update)
    if text.lower() in HERE_WORDS and here is not None:
        chat_id = here
    else:
        typed = group_chat_id(text)
        try:
            if typed is None:
                raise ValueError(text)
            await context.bot.get_chat(typed)  # the bot must be able to write there
        except (ValueError, TelegramError):
            await reply_error(update, context, DomainError("merchant.bad_chat"))
            return Stay()
        chat_id = typed
    draft = current.data
    await _finish(update, context, draft["partner_key"], draft["shop_id"], draft["name"], chat_id)
    return Done()


async def _finish(
    update: Update, context: VitrineContext, partner_key: str, shop_id: str, name: str, chat_id: int
) -> None:
    try:
        registered = await register_shop(
            context.services,
            context.user.id,
            partner_key=partner_key,
            shop_id=shop_id,
            name=name,
            notice_chat_id=chat_id,
        )
    except DomainError as error:
        await reply_error(update, context, error)
        return
    await reply(
        update, context, "merchant/registered", shop_name=registered.merchant.name, shop_id=shop_id
    )
    await notify_admins(context, registered)


async def _cancelled(update: Update, context: VitrineContext, _at: Position) -> None:
    await reply(update, context, PROMPT, step="cancelled", partners=[])


async def _expired(update: Update, context: VitrineContext, _at: Position) -> None:
    await reply(update, context, PROMPT, step="expired", partners=[])


# /become_merchant: platform -> shop id -> name -> where notices go. Left for 30 minutes, it ends.
REGISTRATION = define(
    Flow(
        name="merchant_registration",
        timeout=timedelta(minutes=30),
        steps={PLATFORM: got_platform, SHOP: got_shop, NAME: got_name, CHAT: got_chat},
        cancelled=_cancelled,
        expired=_expired,
    )
)


async def notify_admins(context: VitrineContext, registered: Registered) -> None:
    """Every admin gets the shop with Approve / Reject buttons."""
    services, merchant = context.services, registered.merchant
    for reviewer in registered.reviewers:
        labels = services.texts.labels(reviewer.language, "merchant")
        markup = keyboard(
            [
                [
                    button(labels["approve"], MerchantReview(merchant.id, True)),
                    button(labels["reject"], MerchantReview(merchant.id, False)),
                ]
            ]
        )
        text = services.texts.render(
            "merchant/review_request",
            reviewer.language,
            merchant=merchant,
            applicant=context.user.first_name,
        )
        await send_notice(
            services,
            kind="merchant_review",
            chat_id=reviewer.telegram_id,
            text=text,
            dedup_key=f"merchant-review:{merchant.id}:{reviewer.telegram_id}:{merchant.status}",
            reply_markup=markup,
        )


async def review(update: Update, context: VitrineContext) -> None:
    """An admin's Approve / Reject: decide once, then tell the merchant (with credentials)."""
    query = update.callback_query
    value = decoded(update, MerchantReview)
    if query is None or value is None:
        await answer(update)
        return
    services = context.services
    try:
        reviewed = await review_shop(
            context.application,
            services,
            admin_user_id=context.user.id,
            admin_telegram_id=query.from_user.id,
            merchant_id=value.merchant_id,
            approve=value.approve,
        )
    except DomainError as error:
        await answer(
            update,
            services.texts.render(
                "merchant/errors", context.language, code=error.code, p=error.params
            ),
        )
        return
    await answer(update)
    text = services.texts.render(
        "merchant/review_done",
        context.language,
        merchant=reviewed.merchant,
        approved=reviewed.approved,
    )
    try:
        await query.edit_message_text(text)
    except TelegramError:
        log.info("could not update the review message")


async def rotate(update: Update, context: VitrineContext) -> None:
    """/rotate_secret [shop id]: a new secret now; the old one works for 24 more hours."""
    try:
        await rotate_secret(
            context.application,
            context.services,
            user_id=context.user.id,
            shop_arg=context.args[0] if context.args else None,
        )
    except DomainError as error:
        await reply_error(update, context, error)


async def credentials_job(context: VitrineContext) -> None:
    """Periodically hand credentials to shops approved from the admins' own queue."""
    await credentials_for_approved(context.application, context.application.bot_data[SERVICES_KEY])
