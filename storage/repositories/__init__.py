"""Repositories: the only code that speaks SQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.repositories.agreements import AgreementRepository
from storage.repositories.analytics import AnalyticsRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.bot_state import BotStateRepository
from storage.repositories.browse import BrowseRepository
from storage.repositories.campaigns import CampaignRepository
from storage.repositories.cart import CartRepository
from storage.repositories.clicks import ClickRepository
from storage.repositories.commissions import CommissionRepository
from storage.repositories.events import EventRepository
from storage.repositories.experts import ExpertRepository
from storage.repositories.fan_privacy import FanPrivacyRepository
from storage.repositories.fan_settings import FanSettingsRepository
from storage.repositories.favourites import FavouriteRepository
from storage.repositories.follows import FollowRepository
from storage.repositories.interests import InterestRepository
from storage.repositories.item_reports import ItemReportRepository
from storage.repositories.items import ItemRepository
from storage.repositories.merchants import MerchantRepository
from storage.repositories.moderation import ModerationRepository
from storage.repositories.orders import OrderRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.partner_pull import PartnerPullRepository
from storage.repositories.partners import PartnerRepository
from storage.repositories.reservations import ReservationRepository
from storage.repositories.seen_updates import SeenUpdateRepository
from storage.repositories.users import UserRepository
from storage.unit_of_work import Database, EngineDatabase, unit_of_work


@dataclass(frozen=True)
class Repositories:
    """Every repository, over one engine (or, in a unit of work, over one connection)."""

    engine: AsyncEngine  # the engine itself, also inside a unit of work: never write through it
    default_timezone: str
    users: UserRepository
    experts: ExpertRepository
    items: ItemRepository
    merchants: MerchantRepository
    clicks: ClickRepository
    orders: OrderRepository
    commissions: CommissionRepository
    agreements: AgreementRepository
    partners: PartnerRepository
    follows: FollowRepository
    favourites: FavouriteRepository
    cart: CartRepository
    interests: InterestRepository
    fan_settings: FanSettingsRepository
    reservations: ReservationRepository
    events: EventRepository
    browse: BrowseRepository
    fan_privacy: FanPrivacyRepository
    audit: AuditRepository
    item_reports: ItemReportRepository
    moderation: ModerationRepository
    bot_state: BotStateRepository
    analytics: AnalyticsRepository
    outbox: OutboxRepository
    campaigns: CampaignRepository
    seen_updates: SeenUpdateRepository
    partner_pull: PartnerPullRepository

    @classmethod
    def build(cls, engine: AsyncEngine, *, default_timezone: str) -> Repositories:
        """Wire all repositories to the same engine."""
        # SQLite: the engine itself. PostgreSQL: its begin() takes the writer lock first.
        db: Database = EngineDatabase(engine) if engine.dialect.name == "postgresql" else engine
        return cls.over(engine, db, default_timezone=default_timezone)

    @classmethod
    def over(cls, engine: AsyncEngine, db: Database, *, default_timezone: str) -> Repositories:
        """Every repository reading and writing through `db`."""
        return cls(
            engine=engine,
            default_timezone=default_timezone,
            users=UserRepository(db, default_timezone=default_timezone),
            experts=ExpertRepository(db),
            items=ItemRepository(db),
            merchants=MerchantRepository(db),
            clicks=ClickRepository(db),
            orders=OrderRepository(db),
            commissions=CommissionRepository(db),
            agreements=AgreementRepository(db),
            partners=PartnerRepository(db),
            follows=FollowRepository(db),
            favourites=FavouriteRepository(db),
            cart=CartRepository(db),
            interests=InterestRepository(db),
            fan_settings=FanSettingsRepository(db),
            reservations=ReservationRepository(db),
            events=EventRepository(db),
            browse=BrowseRepository(db),
            fan_privacy=FanPrivacyRepository(db),
            audit=AuditRepository(db),
            item_reports=ItemReportRepository(db),
            moderation=ModerationRepository(db),
            bot_state=BotStateRepository(db),
            analytics=AnalyticsRepository(db),
            outbox=OutboxRepository(db),
            campaigns=CampaignRepository(db),
            seen_updates=SeenUpdateRepository(db),
            partner_pull=PartnerPullRepository(db),
        )

    @asynccontextmanager
    async def unit_of_work(self, *, write: bool = False) -> AsyncIterator[Repositories]:
        """The repositories on one connection in one transaction (storage/unit_of_work.py)."""

        def build(db: Database) -> Repositories:
            return Repositories.over(self.engine, db, default_timezone=self.default_timezone)

        async with unit_of_work(self.engine, build, write=write) as bound:
            yield bound
