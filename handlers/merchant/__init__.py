"""Merchant and money screens: shop registration and review, secrets, agreements, orders, earnings."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.domain.callbacks import callback_pattern
from bot.orders.callbacks import AgreementAnswer, MerchantPlatform, MerchantReview
from bot.orders.settlement import schedule_settlement
from handlers.expert.common import conversation_handler
from handlers.merchant import money, shop, terms

CREDENTIALS_EVERY_SECONDS = 10


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach the merchant handlers and the money path's timed jobs."""
    text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    application.add_handler(
        conversation_handler(
            entry_points=[CommandHandler("become_merchant", shop.start_registration)],
            states={
                shop.PLATFORM: [
                    MessageHandler(text, shop.got_platform),
                    CallbackQueryHandler(
                        shop.platform_pressed, pattern=callback_pattern(MerchantPlatform)
                    ),
                ],
                shop.SHOP: [MessageHandler(text, shop.got_shop)],
                shop.NAME: [MessageHandler(text, shop.got_name)],
                shop.CHAT: [MessageHandler(text, shop.got_chat)],
            },
            fallbacks=[CommandHandler("cancel", shop.cancel)],
            name="merchant_registration",
            conversation_timeout=30 * 60,
        )
    )
    application.add_handler(CommandHandler("rotate_secret", shop.rotate))
    application.add_handler(CommandHandler("agreements", terms.agreements))
    application.add_handler(CommandHandler("orders", money.orders))
    application.add_handler(CommandHandler("earnings", money.earnings))
    application.add_handler(
        CallbackQueryHandler(shop.review, pattern=callback_pattern(MerchantReview))
    )
    application.add_handler(
        CallbackQueryHandler(terms.answer, pattern=callback_pattern(AgreementAnswer))
    )
    schedule_settlement(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            shop.credentials_job,
            interval=CREDENTIALS_EVERY_SECONDS,
            first=2,
            name="merchant-credentials",
        )
