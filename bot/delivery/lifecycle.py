"""Starting and stopping the delivery engine with the application (called from bot/app.py)."""

from __future__ import annotations

import logging

from bot.context import VitrineApp
from bot.delivery.dispatcher import Dispatcher
from bot.services import Services
from storage.repositories.outbox import OutboxRow

log = logging.getLogger(__name__)


async def start_delivery(application: VitrineApp, services: Services) -> Dispatcher:
    """Build the dispatcher over the application's bot, start it, and re-arm campaign jobs."""
    from bot.campaigns.jobs import start_campaigns  # campaigns build on the delivery engine

    repos = services.repos

    async def on_blocked(row: OutboxRow) -> None:
        # 403: the fan blocked the bot. Private chat ids are the user's Telegram id.
        if row.chat_id > 0:
            await repos.users.mark_unreachable(row.chat_id)
        dropped = await repos.outbox.drop_pending_for_chat(row.chat_id)
        if dropped:
            log.info("dropped %d pending messages to a chat that blocked the bot", dropped)

    async def on_photo_uploaded(item_id: int, file_id: str) -> None:
        await repos.items.remember_photo(item_id, file_id)

    dispatcher = Dispatcher(
        repos.outbox,
        application.bot,
        services.settings.delivery,
        services.gate,
        on_blocked=on_blocked,
        on_photo_uploaded=on_photo_uploaded,
    )
    services.outbox.attach(dispatcher)
    await start_campaigns(application, services, dispatcher)
    await dispatcher.start()
    return dispatcher


async def stop_delivery(services: Services) -> None:
    """Stop claiming rows and finish the sends in flight (their status is written)."""
    if services.outbox.dispatcher is not None:
        await services.outbox.dispatcher.stop()
