"""Starting and stopping the delivery engine with the application (called from bot/app.py)."""

from __future__ import annotations

import logging

from bot.campaigns.cards import CampaignCards
from bot.context import VitrineApp
from bot.delivery.dispatcher import Dispatcher
from bot.services import Services
from storage.repositories.outbox import OutboxRow

log = logging.getLogger(__name__)


def build_dispatcher(
    application: VitrineApp, services: Services, *, worker: str, exclusive: bool
) -> Dispatcher:
    """The dispatcher over the application's bot, with the renderers of campaign cards and digests.

    `exclusive`: the only dispatcher of this database (SQLite, one process); see the dispatcher's
    module doc for what that changes at start.
    """
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
        exclusive=exclusive,
        worker=worker,
    )
    cards = CampaignCards(services.repos, services.texts, services.settings)
    dispatcher.renderers["campaign"] = cards.render
    dispatcher.renderers["digest"] = cards.render_digest
    services.outbox.attach(dispatcher)
    return dispatcher


async def start_delivery(
    application: VitrineApp,
    services: Services,
    *,
    worker: str,
    exclusive: bool = True,
    follow_others: bool = False,
) -> Dispatcher:
    """Build the dispatcher, re-arm campaign jobs (with a job queue), and start sending.

    `follow_others`: other processes store campaigns too; look for them every few seconds.
    """
    from bot.campaigns.jobs import start_campaigns  # campaigns build on the delivery engine

    dispatcher = build_dispatcher(application, services, worker=worker, exclusive=exclusive)
    await start_campaigns(
        application, services, dispatcher, name=worker, follow_others=follow_others
    )
    await dispatcher.start()
    return dispatcher


async def stop_delivery(services: Services) -> None:
    """Stop claiming rows and finish the sends in flight (their status is written)."""
    if services.outbox.dispatcher is not None:
        await services.outbox.dispatcher.stop()
