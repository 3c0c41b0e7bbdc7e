"""A fan's data: export it (/mydata), delete it (/forget), and the bot blocked or unblocked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.services import Services


async def export_my_data(services: Services, *, user_id: int) -> dict[str, Any]:
    """Everything stored about the fan, as one JSON-ready document read in one snapshot."""
    async with services.unit_of_work() as uow:
        return await uow.fan_privacy.export(user_id)


async def forget_me(services: Services, *, user_id: int) -> None:
    """Delete the fan's personal data; orders and clicks stay, anonymised."""
    async with services.unit_of_work(write=True) as uow:
        await uow.fan_privacy.forget(user_id)


async def bot_blocked(services: Services, *, telegram_id: int) -> None:
    """The person blocked the bot: stop sending to them until they write again."""
    async with services.unit_of_work(write=True) as uow:
        await uow.users.mark_unreachable(telegram_id)
