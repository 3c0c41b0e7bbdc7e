"""The services handlers reach through the typed context, built once per process."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.attribution.click_log import ClickLog
from bot.config import Settings
from bot.delivery.dispatcher import worker_name
from bot.delivery.gate import MemorySendGate, SendGate
from bot.delivery.outbox import Outbox
from bot.domain.throttle import UpdateThrottle
from bot.experts.publishing import partner_whitelist
from bot.texts import Texts
from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.repositories.buy_page_cache import BuyPageCache
from storage.repositories.catalogue_cache import CatalogueCache

if TYPE_CHECKING:
    from bot.miniapp.storefront import WindowPage


@dataclass
class Services:
    """Everything a handler or HTTP route may call; built in post_init, closed in post_shutdown."""

    settings: Settings
    texts: Texts
    repos: Repositories
    outbox: Outbox
    gate: SendGate  # every message the bot sends waits here (bot/delivery/gate.py)
    click_log: ClickLog  # every Buy-link visit's click, group-committed (bot/attribution)
    buy_pages: BuyPageCache  # the /go page's item and expert, a few seconds in memory
    # The Mini App's window pages by (handle, page), a few seconds in memory (the same rules).
    window_pages: CatalogueCache[tuple[str, int], WindowPage]
    throttle: UpdateThrottle | None  # per-person update limit; None when configured off
    # This process where processes share things: gate lane marks, claimed rows, fired runs.
    process_name: str

    @classmethod
    async def start(cls, settings: Settings, *, process_name: str | None = None) -> Services:
        """Migrate the database, mirror the partner whitelist into it, build the services over it.

        `process_name` names this process where processes share things (the send gate's lane
        marks, the outbox rows it claims, the campaign runs it fires); default: a new one.
        """
        await migrate(settings.database_url)
        engine = create_engine(settings.database_url)
        name = process_name or worker_name()
        repos = Repositories.build(engine, default_timezone=settings.default_timezone)
        services = cls(
            settings=settings,
            texts=Texts(),
            repos=repos,
            outbox=Outbox(repos.outbox),
            gate=build_gate(settings, member=name),
            click_log=ClickLog(repos),
            buy_pages=BuyPageCache(engine),
            window_pages=CatalogueCache(engine),
            throttle=build_throttle(settings),
            process_name=name,
        )
        # Shops, items and orders refer to the partners table: from the first start, not from the
        # first published item, else a shop registered on a new platform has nothing to refer to.
        await repos.partners.sync(
            (p.key, p.name, {"host_suffixes": list(p.host_suffixes)})
            for p in partner_whitelist(services)
        )
        return services

    async def close(self) -> None:
        """Release the send gate, write the clicks that wait, close the database connections."""
        await self.gate.close()
        await self.click_log.close()
        await self.repos.engine.dispose()

    def unit_of_work(self, *, write: bool = False) -> AbstractAsyncContextManager[Repositories]:
        """One use case's repositories on one connection, in one transaction committed at the end.

        `write=True` for a use case that writes (on SQLite it takes the write lock first).
        """
        return self.repos.unit_of_work(write=write)

    def is_admin(self, telegram_id: int) -> bool:
        """Admins are configured by Telegram id."""
        return telegram_id in self.settings.admin_ids


def build_throttle(settings: Settings) -> UpdateThrottle | None:
    """The per-person update throttle of the settings (None when VITRINE_THROTTLE_UPDATES=0)."""
    if settings.throttle_updates == 0:
        return None
    return UpdateThrottle(settings.throttle_updates, settings.throttle_window_seconds)


FREE_BROADCAST_RATE = 30.0  # Telegram's per-bot limit without paid broadcast
REDIS_TIMEOUT_SECONDS = 5.0


def build_gate(settings: Settings, *, member: str) -> SendGate:
    """The send gate: the configured rate, and paid broadcast's when enabled; shared by every
    process of the bot through Redis when VITRINE_REDIS_URL is set, else this process's own."""
    delivery = settings.delivery
    free = min(delivery.send_rate, FREE_BROADCAST_RATE) if delivery.paid_broadcast else None
    rate, paid_rate = (free, delivery.send_rate) if free is not None else (delivery.send_rate, None)
    if settings.redis_url is None:
        return MemorySendGate(rate, paid_rate=paid_rate)
    from redis.asyncio import Redis

    from bot.delivery.redis_gate import RedisSendGate

    token = settings.telegram_bot_token
    return RedisSendGate(
        # Bounded waits: a Redis that stops answering is an error the gate retries, not a hang.
        Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            health_check_interval=30,
        ),
        rate,
        paid_rate=paid_rate,
        # One bot's limits: two bots sharing a Redis keep theirs apart (the token's bot id).
        namespace=token.split(":", 1)[0] if token else "sandbox",
        member=member,
    )
