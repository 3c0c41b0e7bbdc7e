"""/become_merchant, the admins' review of a shop, /rotate_secret and handing out credentials."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.admin.moderation import decide_merchant
from bot.context import SERVICES_KEY, VitrineContext
from bot.conversations import Position
from bot.domain.callbacks import decode_as
from bot.domain.errors import DomainError
from bot.domain.partners import find_partner
from bot.experts.publishing import partner_whitelist
from bot.menus import refresh_menu
from bot.orders.callbacks import MerchantPlatform, MerchantReview
from bot.orders.merchants import (
    check_name,
    check_platform,
    check_shop_id,
    credentials_for_approved,
    issue_credentials,
    platform_label,
    register_shop,
    rotate_secret,
)
from bot.orders.notices import send_notice
from handlers.flows import Done, Flow, Next, Outcome, Stay, at, begin, define, go
from handlers.keyboards import NO_BUTTONS, button, keyboard, rows_of
from handlers.ui import reply
from storage.repositories.merchants import Merchant

log = logging.getLogger(__name__)

PLATFORM, SHOP, NAME, CHAT = "platform", "shop", "name", "chat"
HERE_WORDS = {"here", "this", "me", "private", "这里", "私聊", "本聊天"}


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def reply_error(update: Update, context: VitrineContext, error: DomainError) -> None:
    """The sentence for a merchant-side DomainError."""
    await reply(update, context, "merchant/errors", code=error.code, p=error.params)


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
        await _finish(update, context, partner_key, shop_id, name, update.effective_chat.id)  # type: ignore[union-attr]
        return
    services, language = context.services, context.language
    whitelist = partner_whitelist(services)
    names = [platform_label(services, language, p) for p in whitelist]
    text = services.texts.render(
        "merchant/register_prompt", language, step="platform", partners=names
    )
    buttons = [
        button(name, MerchantPlatform(p.key)) for p, name in zip(whitelist, names, strict=True)
    ]
    await begin(context, REGISTRATION, PLATFORM)
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        text, parse_mode=ParseMode.HTML, reply_markup=keyboard(rows_of(buttons, 3))
    )


async def _platform_chosen(update: Update, context: VitrineContext, partner_key: str) -> Outcome:
    """Keep the platform; ask for the shop id, naming the platform as this interface does."""
    partner = find_partner(partner_key, partner_whitelist(context.services))
    if partner is None:  # check_platform only returns whitelisted keys
        raise DomainError("merchant.bad_platform")
    chosen = platform_label(context.services, context.language, partner)
    await reply(
        update, context, "merchant/register_prompt", step="shop", partners=[], platform=chosen
    )
    return Next(SHOP, {"partner_key": partner_key})


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
    try:
        if current is None:
            raise DomainError("merchant.registration_over")
        value = decode_as(MerchantPlatform, query.data)
        partner_key = check_platform(context.services, value.partner_key)
    except DomainError as error:
        await query.answer(
            context.services.texts.render(
                "merchant/errors", context.language, code=error.code, p=error.params
            )[:200]
        )
        return
    await query.answer()
    await query.edit_message_reply_markup(NO_BUTTONS)  # one choice; the buttons would mislead
    await go(context, current, await _platform_chosen(update, context, partner_key))


async def got_shop(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Keep the shop id; ask for the shop's name."""
    try:
        shop_id = check_shop_id(_text(update))
    except DomainError as error:
        await reply_error(update, context, error)
        return Stay()
    await reply(update, context, "merchant/register_prompt", step="name", partners=[])
    return Next(NAME, {"shop_id": shop_id})


async def got_name(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Keep the name; ask where notices should go."""
    try:
        name = check_name(_text(update))
    except DomainError as error:
        await reply_error(update, context, error)
        return Stay()
    await reply(update, context, "merchant/register_prompt", step="chat", partners=[])
    return Next(CHAT, {"name": name})


async def got_chat(update: Update, context: VitrineContext, current: Position) -> Outcome:
    """This chat, or a group the bot is in (by id); then register and tell the admins."""
    text = _text(update).strip()
    if text.lower() in HERE_WORDS:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
    else:
        try:
            chat_id = int(text)
            if chat_id >= 0:
                raise ValueError
            await context.bot.get_chat(chat_id)  # the bot must be able to write there
        except (ValueError, TelegramError):
            await reply_error(update, context, DomainError("merchant.bad_chat"))
            return Stay()
    draft = current.data
    await _finish(update, context, draft["partner_key"], draft["shop_id"], draft["name"], chat_id)
    return Done()


async def _finish(
    update: Update, context: VitrineContext, partner_key: str, shop_id: str, name: str, chat_id: int
) -> None:
    try:
        merchant = await register_shop(
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
    await reply(update, context, "merchant/registered", shop_name=merchant.name, shop_id=shop_id)
    await notify_admins(context, merchant)


async def _cancelled(update: Update, context: VitrineContext, _at: Position) -> None:
    await reply(update, context, "merchant/register_prompt", step="cancelled", partners=[])


async def _expired(update: Update, context: VitrineContext, _at: Position) -> None:
    await reply(update, context, "merchant/register_prompt", step="expired", partners=[])


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


async def notify_admins(context: VitrineContext, merchant: Merchant) -> None:
    """Every admin gets the shop with Approve / Reject buttons."""
    services = context.services
    for telegram_id in sorted(services.settings.admin_ids):
        admin = await services.repos.users.by_telegram_id(telegram_id)
        language = admin.language if admin else "en"
        labels = services.texts.labels(language, "merchant")
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
            language,
            merchant=merchant,
            applicant=context.user.first_name,
        )
        await send_notice(
            context.application,
            services,
            kind="merchant_review",
            chat_id=telegram_id,
            text=text,
            dedup_key=f"merchant-review:{merchant.id}:{telegram_id}:{merchant.status}",
            reply_markup=markup,
        )


async def review(update: Update, context: VitrineContext) -> None:
    """An admin's Approve / Reject: decide once, then tell the merchant (with credentials)."""
    query = update.callback_query
    assert query is not None
    services = context.services
    try:
        value = decode_as(MerchantReview, query.data)
    except DomainError:
        await query.answer()
        return
    if not services.is_admin(query.from_user.id):
        await query.answer(
            services.texts.render(
                "merchant/errors", context.language, code="merchant.not_admin", p={}
            )
        )
        return
    try:
        decided = await decide_merchant(
            services, context.user.id, value.merchant_id, approve=value.approve
        )
    except DomainError as error:
        await query.answer(
            services.texts.render(
                "merchant/errors", context.language, code=error.code, p=error.params
            )
        )
        return
    await query.answer()
    await refresh_menu(context.bot, services, decided.user_id)
    merchant = await services.repos.merchants.get(value.merchant_id)
    assert merchant is not None
    text = services.texts.render(
        "merchant/review_done",
        context.language,
        merchant=merchant,
        approved=decided.status == "verified",
    )
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)
    except TelegramError:
        log.info("could not update the review message")
    if merchant.is_active:
        await issue_credentials(context.application, services, merchant)
    else:
        owner = await services.repos.users.get(merchant.user_id)
        if owner is not None and owner.telegram_id is not None:
            await send_notice(
                context.application,
                services,
                kind="merchant_verdict",
                chat_id=owner.telegram_id,
                text=services.texts.render(
                    "merchant/rejected", owner.language, shop_name=merchant.name
                ),
                dedup_key=f"merchant-verdict:{merchant.id}:rejected:{owner.id}",
                user_id=owner.id,
            )


async def own_verified_shop(
    update: Update, context: VitrineContext, shop_arg: str | None
) -> Merchant | None:
    """The user's verified shop (by shop id when they have several); otherwise explain."""
    shops = [
        m for m in await context.services.repos.merchants.of_user(context.user.id) if m.is_active
    ]
    if shop_arg is not None:
        shops = [m for m in shops if m.shop_id == shop_arg]
    if len(shops) == 1:
        return shops[0]
    if not shops:
        await reply(update, context, "merchant/not_merchant")
    else:
        await reply(update, context, "merchant/pick_shop", shops=shops)
    return None


async def rotate(update: Update, context: VitrineContext) -> None:
    """/rotate_secret [shop id]: a new secret now; the old one works for 24 more hours."""
    merchant = await own_verified_shop(update, context, (context.args or [None])[0])
    if merchant is not None:
        await rotate_secret(context.application, context.services, merchant)


async def credentials_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Periodically hand credentials to shops approved from the admins' own queue."""
    await credentials_for_approved(context.application, context.application.bot_data[SERVICES_KEY])
