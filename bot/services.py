"""The services handlers reach through the typed context, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.delivery.outbox import Outbox
from bot.experts.publishing import partner_whitelist
from bot.texts import Texts
from storage.database import create_engine, migrate
from storage.repositories import Repositories


@dataclass
class Services:
    """Everything a handler or HTTP route may call; built in post_init, closed in post_shutdown."""

    settings: Settings
    texts: Texts
    repos: Repositories
    outbox: Outbox

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        """Migrate the database, mirror the partner whitelist into it, build the services over it."""
        await migrate(settings.database_url)
        engine = create_engine(settings.database_url)
        repos = Repositories.build(engine, default_timezone=settings.default_timezone)
        services = cls(settings=settings, texts=Texts(), repos=repos, outbox=Outbox(repos.outbox))
        # Shops, items and orders refer to the partners table: from the first start, not from the
        # first published item, else a shop registered on a new platform has nothing to refer to.
        await repos.partners.sync(
            (p.key, p.name, {"host_suffixes": list(p.host_suffixes)})
            for p in partner_whitelist(services)
        )
        return services

    async def close(self) -> None:
        """Release the database connections."""
        await self.repos.engine.dispose()

    def is_admin(self, telegram_id: int) -> bool:
        """Admins are configured by Telegram id."""
        return telegram_id in self.settings.admin_ids
