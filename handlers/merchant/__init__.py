"""Merchant and money screens: shop registration and review, secrets, agreements, orders, earnings."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import VitrineApp
from bot.domain.callbacks import callback_pattern
from bot.orders.callbacks import AgreementAnswer, MerchantPlatform, MerchantReview
from bot.orders.pull_jobs import schedule_pulling
from bot.orders.settlement import schedule_settlement
from handlers.merchant import money, shop, terms

CREDENTIALS_EVERY_SECONDS = 10


def register(application: VitrineApp) -> None:
    """Attach the merchant handlers and the money path's timed jobs."""
    application.add_handler(CommandHandler("become_merchant", shop.start_registration))
    application.add_handler(
        CallbackQueryHandler(shop.platform_pressed, pattern=callback_pattern(MerchantPlatform))
    )
    application.add_handler(CommandHandler("rotate_secret", shop.rotate))
    application.add_handler(CommandHandler("agreements", terms.agreements))
    application.add_handler(CommandHandler("orders", money.orders))
    application.add_handler(CommandHandler("earnings", money.earnings))
    application.add_handler(CommandHandler("reconcile", money.reconcile))
    application.add_handler(
        CallbackQueryHandler(shop.review, pattern=callback_pattern(MerchantReview))
    )
    application.add_handler(
        CallbackQueryHandler(terms.answer, pattern=callback_pattern(AgreementAnswer))
    )
    schedule_settlement(application)
    schedule_pulling(application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            shop.credentials_job,
            interval=CREDENTIALS_EVERY_SECONDS,
            first=2,
            name="merchant-credentials",
        )
