"""Applying one verified order callback: the `apply_order_event` use case.

One writing unit of work holds the receipt, the order, its stock and its commission: a callback
is applied exactly once and entirely, or not at all. The rules are bot/domain's: the status
machine (`order_transition`), the stock rules (`held_stock`, `stock_change`) and the commission
rules (`attribute`, `rate_in_force`, `commission_fen`, `commission_status`). The repositories
only store and query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from bot.domain import states
from bot.domain.commissions import attribute, commission_fen, commission_status, rate_in_force
from bot.domain.errors import DomainError
from bot.domain.orders import (
    REPLAYED,
    OrderEvent,
    OrderOutcome,
    OrderRules,
    OrderState,
    OrderStatus,
    StockChange,
    held_stock,
    order_transition,
    stock_change,
)
from storage.repositories import Repositories
from storage.repositories.commissions import LiveCommission
from storage.repositories.orders import StoredOrder

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class _Booked:
    """What an order's effects need to know about it, new or stored."""

    order_id: int
    item_id: int | None
    expert_id: int | None
    campaign_id: int | None
    quantity: int
    amount_fen: int
    rate_bp: int | None = None
    commission_fen: int = 0


async def apply_order_event(
    services: Services,
    *,
    merchant_id: int,
    partner_key: str,
    message_id: str,
    event: OrderEvent,
    rules: OrderRules,
    now: datetime,
    new_orders: bool = True,
) -> OrderOutcome:
    """Apply one verified callback exactly once: receipt, order, stock and commission together.

    A webhook-id seen before is a replay (nothing is done). Raises, storing nothing:
    DomainError("payload.invalid", field="order_id", reason="conflict") when another merchant
    already reported this order id on the same platform; DomainError("merchant.not_active")
    for an order not seen before when `new_orders` is False (a suspended merchant brings no new
    orders, but its refunds of orders we hold must still cancel their commissions).
    """
    async with services.unit_of_work(write=True) as uow:
        return await apply_order_event_in(
            uow,
            merchant_id=merchant_id,
            partner_key=partner_key,
            message_id=message_id,
            event=event,
            rules=rules,
            now=now,
            new_orders=new_orders,
        )


async def apply_order_event_in(
    uow: Repositories,
    *,
    merchant_id: int,
    partner_key: str,
    message_id: str,
    event: OrderEvent,
    rules: OrderRules,
    now: datetime,
    new_orders: bool = True,
) -> OrderOutcome:
    """`apply_order_event` inside the caller's writing unit of work.

    The pull side keeps the partner's report of the order in the same transaction. Raises as
    `apply_order_event` does; the caller must then let the unit roll back, since the receipt was
    written first.
    """
    # The receipt is the unit's first write: on SQLite the unit already holds the write
    # lock (BEGIN IMMEDIATE), so deliveries of one order apply one after the other.
    if not await uow.orders.receive(merchant_id, message_id, now):
        return REPLAYED
    return await _apply(uow, merchant_id, partner_key, event, rules, now, new_orders)


async def _apply(
    uow: Repositories,
    merchant_id: int,
    partner_key: str,
    event: OrderEvent,
    rules: OrderRules,
    now: datetime,
    new_orders: bool,
) -> OrderOutcome:
    """Run the status machine on the stored order and apply its effects in `uow`."""
    stored = await uow.orders.by_partner_id(partner_key, event.order_id)
    if stored is not None and stored.merchant_id != merchant_id:
        raise DomainError("payload.invalid", field="order_id", reason="conflict")
    if stored is None and not new_orders:
        raise DomainError("merchant.not_active")
    live = None
    current = None
    if stored is not None:
        live = (
            await uow.commissions.live_of_order(stored.id)
            if stored.status == states.OrderStatus.PAID
            else None
        )
        current = _state_of(stored, live, rules, now)
    transition = order_transition(current, event)
    if stored is not None and not transition.changed:
        return OrderOutcome(
            replayed=False,
            changed=False,
            reason=transition.reason,
            order_id=stored.id,
            partner_order_id=event.order_id,
            merchant_id=merchant_id,
            status=stored.status,
        )
    if stored is None:
        booked = await _insert(uow, merchant_id, partner_key, event, rules, now)
    else:
        await uow.orders.set_status(stored.id, transition.state.status, now)
        booked = _Booked(
            stored.id,
            stored.item_id,
            stored.expert_id,
            stored.campaign_id,
            stored.quantity,
            stored.amount_fen,
        )
    stock = await _move_stock(uow, booked.item_id, transition.stock_delta, rules)
    if transition.stock_delta < 0:
        await uow.orders.set_stock_taken(booked.order_id, stock.taken if stock else 0)
    action: str | None = transition.commission_action
    if action == "create":
        action = await _book_commission(uow, booked, merchant_id, now)
    elif action is not None and live is not None:
        booked = _Booked(
            booked.order_id,
            booked.item_id,
            booked.expert_id,
            booked.campaign_id,
            booked.quantity,
            booked.amount_fen,
            rate_bp=live.rate_bp,
            commission_fen=live.amount_fen,
        )
        if action == "cancel":
            await uow.commissions.cancel(live.id)
        else:
            await uow.commissions.reverse_confirmed(live, now)
    title = await uow.orders.item_title(booked.item_id) if booked.item_id is not None else None
    return OrderOutcome(
        replayed=False,
        changed=True,
        reason=transition.reason,
        order_id=booked.order_id,
        partner_order_id=event.order_id,
        merchant_id=merchant_id,
        status=transition.state.status,
        item_id=booked.item_id,
        item_title=title,
        expert_id=booked.expert_id,
        campaign_id=booked.campaign_id,
        quantity=booked.quantity,
        amount_fen=booked.amount_fen,
        commission_action=action,
        commission_fen=booked.commission_fen if action else 0,
        rate_bp=booked.rate_bp,
        stock_after=stock.after if stock else None,
        sold_out=stock.sold_out if stock else False,
        low_stock=stock.low_stock if stock else False,
    )


def _state_of(
    stored: StoredOrder, live: LiveCommission | None, rules: OrderRules, now: datetime
) -> OrderState:
    """The stored order as the status machine sees it."""
    commission = None
    if live is not None:
        # Confirmed in storage (the refund window closed, or the partner settled it) stays so.
        commission = (
            "confirmed"
            if live.status == "confirmed"
            else commission_status(live.created_at, now, rules.refund_window_seconds)
        )
    held = held_stock(
        stored.status,
        has_item=stored.item_id is not None,
        quantity=stored.quantity,
        stock_taken=stored.stock_taken,
    )
    # OrderState checks the stored status itself (DomainError for one it does not know).
    return OrderState(cast(OrderStatus, stored.status), stock_held=held, commission=commission)


async def _insert(
    uow: Repositories,
    merchant_id: int,
    partner_key: str,
    event: OrderEvent,
    rules: OrderRules,
    now: datetime,
) -> _Booked:
    """Store a first-seen order with its attribution; what its effects need."""
    click = None
    if event.click_id is not None:
        click = await uow.orders.attribution_click(event.click_id)
    own_click = click if click is not None and click.item_merchant_id == merchant_id else None
    # Only a click on one of this merchant's items, inside the window, earns a commission.
    attributed = own_click is not None and attribute(
        own_click.created_at, event.occurred_at, rules.attribution_window_seconds
    )
    item_id = await uow.orders.listed_item(
        merchant_id,
        event.partner_item_id,
        prefer_item_id=own_click.item_id if own_click is not None else None,
    )
    expert_id = own_click.expert_id if attributed and own_click is not None else None
    campaign_id = own_click.campaign_id if attributed and own_click is not None else None
    rate = None
    if expert_id is not None and own_click is not None:
        terms = await uow.agreements.terms_of_merchant(merchant_id)
        rate = rate_in_force(terms, expert_id, own_click.created_at)
    order_id = await uow.orders.insert(
        merchant_id=merchant_id,
        partner_key=partner_key,
        event=event,
        item_id=item_id,
        click_id=click.id if click is not None else None,
        expert_id=expert_id,
        campaign_id=campaign_id,
        now=now,
    )
    return _Booked(
        order_id,
        item_id,
        expert_id,
        campaign_id,
        event.quantity,
        event.amount_fen,
        rate_bp=rate,
        commission_fen=commission_fen(event.amount_fen, rate) if rate is not None else 0,
    )


async def _move_stock(
    uow: Repositories, item_id: int | None, delta: int, rules: OrderRules
) -> StockChange | None:
    """Apply `stock_change` to the ordered item (None when the order names no item of ours)."""
    if item_id is None:
        return None
    before, warned = await uow.orders.item_stock(item_id)
    change = stock_change(before, delta, warned=warned, threshold=rules.low_stock_threshold)
    if change.after != before or change.warned != warned:
        await uow.orders.set_item_stock(item_id, stock=change.after, warned=change.warned)
    return change


async def _book_commission(
    uow: Repositories, booked: _Booked, merchant_id: int, now: datetime
) -> str | None:
    """Book the pending commission of an attributed order with a rate in force; None if none."""
    if booked.expert_id is None or booked.rate_bp is None:
        return None
    await uow.commissions.book(
        order_id=booked.order_id,
        expert_id=booked.expert_id,
        merchant_id=merchant_id,
        rate_bp=booked.rate_bp,
        amount_fen=booked.commission_fen,
        now=now,
    )
    return "create"
