"""Taking campaign messages back when what they advertise is gone (suspension, delisting)."""

from __future__ import annotations

from storage.repositories import Repositories

EXPERT_GONE = "expert suspended"
ITEMS_GONE = "no listed item left"


async def withdraw_expert(repos: Repositories, expert_id: int) -> int:
    """The expert was suspended: pause their live campaigns and drop their unsent rows; return rows dropped."""
    live = await repos.campaigns.live_for_expert(expert_id)
    for campaign in live:
        await repos.campaigns.set_status(campaign.id, "paused", only_from=("running", "scheduled"))
    return await repos.outbox.drop_campaigns([c.id for c in live], EXPERT_GONE)


async def withdraw_item(repos: Repositories, item_id: int) -> int:
    """An item left the window: drop the unsent rows of live campaigns with no listed item left."""
    item = await repos.items.get(item_id)
    if item is None or item.available:
        return 0
    emptied = []
    for campaign in await repos.campaigns.live_for_expert(item.expert_id):
        if item_id in campaign.item_ids and not await repos.campaigns.listed_item_ids(
            campaign.item_ids
        ):
            emptied.append(campaign.id)
    return await repos.outbox.drop_campaigns(emptied, ITEMS_GONE)


async def campaign_item_changed(repos: Repositories, item_id: int) -> None:
    """Hook for window management: cards re-render by themselves; an unlisted item withdraws pushes."""
    await withdraw_item(repos, item_id)
