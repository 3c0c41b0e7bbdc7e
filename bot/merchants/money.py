"""Money screens, one use case per function: a merchant's recent orders, an expert's earnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.orders.reconcile import ReconciledOrder, expert_flagged
from storage.repositories.commissions import Earnings
from storage.repositories.merchants import Merchant
from storage.repositories.orders import OrderRow

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["Earnings", "Merchant", "OrderRow"]  # the result types the screens name

PERIODS: dict[str, int | None] = {"7": 7, "30": 30, "90": 90, "all": None}
DEFAULT_PERIOD = "30"
RECENT_ORDERS = 10


@dataclass(frozen=True)
class ShopOrders:
    """One verified shop's latest orders, newest first."""

    shop: Merchant
    rows: tuple[OrderRow, ...]


@dataclass(frozen=True)
class EarningsView:
    """/earnings: per merchant, pending, confirmed and adjustments for the period."""

    is_expert: bool
    rows: tuple[Earnings, ...]
    period_days: int | None  # None: all time
    refund_days: int
    # The latest orders whose commission differs from the partner's report, with the reason.
    flagged: tuple[ReconciledOrder, ...] = ()


def period_days(text: str | None) -> int | None:
    """Days of a period argument ("7", "30", "90", "all"; anything else is the default 30)."""
    key = (text or DEFAULT_PERIOD).lower()
    return PERIODS[key if key in PERIODS else DEFAULT_PERIOD]


async def shop_orders(services: Services, *, user_id: int) -> tuple[ShopOrders, ...]:
    """The latest orders of each of the user's verified shops (empty: no verified shop)."""
    async with services.unit_of_work() as uow:
        shops = [m for m in await uow.merchants.of_user(user_id) if m.is_active]
        listed = [
            ShopOrders(shop, tuple(await uow.orders.recent(shop.id, limit=RECENT_ORDERS)))
            for shop in shops
        ]
    return tuple(listed)


async def expert_earnings(
    services: Services, *, user_id: int, period: str | None, now: datetime
) -> EarningsView:
    """The active expert's earnings since the period's start; `is_expert` False for others."""
    refund_days = services.settings.refund_window_days
    async with services.unit_of_work() as uow:
        expert = await uow.experts.by_user(user_id)
        if expert is None or not expert.is_active:
            return EarningsView(False, (), None, refund_days)
        days = period_days(period)
        since = None if days is None else now - timedelta(days=days)
        rows = tuple(await uow.commissions.earnings(expert.id, since=since))
    flagged = await expert_flagged(services, expert.id)
    return EarningsView(True, rows, days, refund_days, flagged)
