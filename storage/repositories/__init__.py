"""Repositories: the only code that speaks SQL."""

from __future__ import annotations

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
from storage.repositories.partners import PartnerRepository
from storage.repositories.reservations import ReservationRepository
from storage.repositories.users import UserRepository


@dataclass(frozen=True)
class Repositories:
    """Every repository, built once over one engine."""

    engine: AsyncEngine
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

    @classmethod
    def build(cls, engine: AsyncEngine, *, default_timezone: str) -> Repositories:
        """Wire all repositories to the same engine."""
        return cls(
            engine=engine,
            users=UserRepository(engine, default_timezone=default_timezone),
            experts=ExpertRepository(engine),
            items=ItemRepository(engine),
            merchants=MerchantRepository(engine),
            clicks=ClickRepository(engine),
            orders=OrderRepository(engine),
            commissions=CommissionRepository(engine),
            agreements=AgreementRepository(engine),
            partners=PartnerRepository(engine),
            follows=FollowRepository(engine),
            favourites=FavouriteRepository(engine),
            cart=CartRepository(engine),
            interests=InterestRepository(engine),
            fan_settings=FanSettingsRepository(engine),
            reservations=ReservationRepository(engine),
            events=EventRepository(engine),
            browse=BrowseRepository(engine),
            fan_privacy=FanPrivacyRepository(engine),
            audit=AuditRepository(engine),
            item_reports=ItemReportRepository(engine),
            moderation=ModerationRepository(engine),
            bot_state=BotStateRepository(engine),
            analytics=AnalyticsRepository(engine),
            outbox=OutboxRepository(engine),
            campaigns=CampaignRepository(engine),
        )
