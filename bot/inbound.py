"""Updates Telegram delivers to the webhook: each `update_id` is handled once.

Telegram delivers an update again when it saw no answer (a timeout, a restart mid-request, a
second web process behind a balancer answering late). The ids taken are kept in the database, so
the rule holds across restarts and processes; ids older than a day are pruned, since Telegram
gives up on an update it could not deliver within 24 hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services

KEEP_SEEN = timedelta(hours=24)
PRUNE_EVERY = 100  # update ids are sequential: about once every 100 updates
MAX_UPDATE_ID = 2**63 - 1  # the column is a signed 64-bit integer; Telegram's ids are far below


def is_update_id(value: object) -> bool:
    """A JSON integer (not a bool) that fits the column."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_UPDATE_ID


async def first_delivery(
    services: Services, update_id: int, *, now: datetime | None = None
) -> bool:
    """True the first time `update_id` arrives, False for every later delivery of it."""
    moment = now or datetime.now(UTC)
    async with services.unit_of_work(write=True) as uow:
        fresh = await uow.seen_updates.take(update_id, moment)
        if fresh and update_id % PRUNE_EVERY == 0:
            await uow.seen_updates.prune(moment - KEEP_SEEN)
    return fresh
