"""Taking campaign messages back when what they advertise is gone (suspension, delisting).

These are steps of other use cases (an admin's suspension, an expert's delisting): they take the
caller's repositories, a unit of work's or the engine's, and open no transaction of their own.
"""

from __future__ import annotations

from bot.domain.campaigns import LIVE_STATUSES, PAUSABLE
from bot.domain.states import CampaignStatus, ItemStatus
from storage.repositories import Repositories

EXPERT_GONE = "expert suspended"
ITEMS_GONE = "no listed item left"


async def withdraw_expert(repos: Repositories, expert_id: int) -> int:
    """The expert was suspended: pause their live campaigns and drop their unsent rows; return rows dropped."""
    live = await repos.campaigns.of_expert_with_status(expert_id, LIVE_STATUSES)
    for campaign in live:
        await repos.campaigns.set_status(campaign.id, CampaignStatus.PAUSED, only_from=PAUSABLE)
    return await repos.outbox.drop_campaigns([c.id for c in live], EXPERT_GONE)


async def withdraw_item(repos: Repositories, item_id: int) -> int:
    """An item left the window: drop the unsent rows of live campaigns with no listed item left."""
    item = await repos.items.get(item_id)
    if item is None or item.available:
        return 0
    emptied = []
    for campaign in await repos.campaigns.of_expert_with_status(item.expert_id, LIVE_STATUSES):
        if item_id in campaign.item_ids and not await repos.items.with_status_among(
            campaign.item_ids, ItemStatus.LISTED
        ):
            emptied.append(campaign.id)
    return await repos.outbox.drop_campaigns(emptied, ITEMS_GONE)


async def campaign_item_changed(repos: Repositories, item_id: int) -> None:
    """Hook for window management: cards re-render by themselves; an unlisted item withdraws pushes."""
    await withdraw_item(repos, item_id)
