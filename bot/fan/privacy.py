"""A fan's data: export it (/mydata), delete it (/forget), and the bot blocked or unblocked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from storage import forget_journal

if TYPE_CHECKING:
    from bot.services import Services


async def export_my_data(services: Services, *, user_id: int) -> dict[str, Any]:
    """Everything stored about the fan, as one JSON-ready document read in one snapshot."""
    async with services.unit_of_work() as uow:
        return await uow.fan_privacy.export(user_id)


async def forget_me(services: Services, *, user_id: int) -> None:
    """Delete the fan's personal data; orders and clicks stay, anonymised.

    The forget is journaled (storage/forget_journal.py) before it commits, so a backup restored
    later forgets the fan again; a journal that cannot be written fails the forget, to be asked
    again, rather than letting a backup bring the data back.
    """
    async with services.unit_of_work(write=True) as uow:
        await uow.fan_privacy.forget(user_id)
        journal = forget_journal.journal_path(services.settings.data_dir)
        await asyncio.to_thread(forget_journal.record, journal, user_id, datetime.now(UTC))


@dataclass(frozen=True)
class Reapplied:
    """What `reapply_forgets` did: forgotten again, forgotten already, not in the database."""

    forgotten: int
    already: int
    absent: int


async def reapply_forgets(services: Services) -> Reapplied:
    """Forget again everyone the journal names (after a restore); each in its own transaction."""
    forgotten = already = absent = 0
    journal = forget_journal.journal_path(services.settings.data_dir)
    for user_id in dict.fromkeys(f.user_id for f in forget_journal.read(journal)):
        async with services.unit_of_work(write=True) as uow:
            state = await uow.fan_privacy.forgotten(user_id)
            if state is None:
                absent += 1  # joined after the backup was made: nothing of theirs came back
            elif state:
                already += 1
            else:
                await uow.fan_privacy.forget(user_id)
                forgotten += 1
    return Reapplied(forgotten, already, absent)


async def bot_blocked(services: Services, *, telegram_id: int) -> None:
    """The person blocked the bot: stop sending to them until they write again."""
    async with services.unit_of_work(write=True) as uow:
        await uow.users.mark_unreachable(telegram_id)
