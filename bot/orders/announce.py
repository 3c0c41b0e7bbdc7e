"""Telling people about an applied order: the merchant's notice, the expert's earnings and stock.

The partner gets its HTTP answer as soon as the order is applied; the notices follow on the
bot's loop through the `OrderAnnouncer`, which keeps every announcement it started and is
drained at shutdown (`bot.orders.notices.drain_notices`, before the delivery stops), so an
order accepted just before a stop is still announced.
"""

from __future__ import annotations

import asyncio
import logging

from bot.domain.orders import OrderOutcome
from bot.domain.states import DEFAULT_LANGUAGE
from bot.orders.notices import ANNOUNCER_KEY, AppHandle, Notice, batcher_of
from bot.services import Services
from storage.repositories import Repositories

log = logging.getLogger(__name__)


async def _chat_of_user(uow: Repositories, user_id: int) -> tuple[int | None, str]:
    """The private chat and language of a Vitrine user (None when forgotten)."""
    user = await uow.users.get(user_id)
    if user is None:
        return None, DEFAULT_LANGUAGE
    return user.telegram_id, user.language


async def announce_order(
    application: AppHandle,
    services: Services,
    outcome: OrderOutcome,
) -> None:
    """Queue the notices an applied order causes; duplicates and replays cause none."""
    if not outcome.changed or outcome.order_id is None:
        return
    texts = services.texts
    batcher = batcher_of(application, services)
    async with services.unit_of_work() as uow:
        merchant = await uow.merchants.get(outcome.merchant_id)
        expert = await uow.experts.get(outcome.expert_id) if outcome.expert_id else None
        _chat, merchant_language = (
            await _chat_of_user(uow, merchant.user_id) if merchant else (None, DEFAULT_LANGUAGE)
        )
        chat_id, language = (
            await _chat_of_user(uow, expert.user_id) if expert else (None, DEFAULT_LANGUAGE)
        )
    values = {
        "outcome": outcome,
        "expert_handle": expert.handle if expert else None,
        "merchant_name": merchant.name if merchant else "",
    }
    if merchant is not None:
        await batcher.add(
            merchant.notice_chat_id,
            Notice(
                kind="merchant_notice",
                text=texts.render("merchant/order_notice", merchant_language, **values),
                line=texts.render("merchant/order_line", merchant_language, **values),
                dedup_key=f"order:{outcome.order_id}:{outcome.status}",
                language=merchant_language,
            ),
        )
    if expert is None or chat_id is None:
        return
    if outcome.commission_action is not None:
        await batcher.add(
            chat_id,
            Notice(
                kind="earnings_notice",
                text=texts.render("merchant/earnings_notice", language, **values),
                line=texts.render("merchant/earnings_line", language, **values),
                dedup_key=f"earnings:{outcome.order_id}:{outcome.status}",
                language=language,
                user_id=expert.user_id,
            ),
        )
    if outcome.sold_out or outcome.low_stock:
        stock_values = {"title": outcome.item_title or "", "stock": outcome.stock_after or 0}
        template = "merchant/stock_sold_out" if outcome.sold_out else "merchant/stock_low"
        await batcher.add(
            chat_id,
            Notice(
                kind="stock_notice",
                text=texts.render(template, language, **stock_values),
                line=texts.render(template, language, **stock_values),
                dedup_key=f"stock:{outcome.item_id}:{outcome.order_id}",
                language=language,
                user_id=expert.user_id,
            ),
        )


class OrderAnnouncer:
    """Runs `announce_order` for applied orders as tracked tasks, and waits for them on drain."""

    def __init__(self, application: AppHandle, services: Services) -> None:
        self._application = application
        self._services = services
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, outcome: OrderOutcome) -> asyncio.Task[None]:
        """Start announcing `outcome`; the task is held until it ends."""
        task = asyncio.get_running_loop().create_task(
            announce_order(self._application, self._services, outcome),
            name=f"order-notices-{outcome.order_id}",
        )
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("order notices failed", exc_info=task.exception())

    @property
    def pending(self) -> int:
        """Announcements still running."""
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every announcement started so far (and any they start) has ended."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def announcer_of(application: AppHandle, services: Services) -> OrderAnnouncer:
    """The process's order announcer (created on first use, kept in bot_data)."""
    announcer = application.bot_data.get(ANNOUNCER_KEY)
    if not isinstance(announcer, OrderAnnouncer):
        announcer = OrderAnnouncer(application, services)
        application.bot_data[ANNOUNCER_KEY] = announcer
    return announcer
