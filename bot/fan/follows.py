"""Following and unfollowing experts, recording the event reports count."""

from __future__ import annotations

from storage.repositories import Repositories
from storage.repositories.experts import Expert


async def follow(repos: Repositories, fan_id: int, expert: Expert, source: str) -> bool:
    """Follow an active expert; True if new. Following twice is harmless and counted once."""
    created = await repos.follows.follow(fan_id, expert.id, source)
    if created:
        await repos.events.record("follow", user_id=fan_id, expert_id=expert.id, source=source)
    return created


async def unfollow(repos: Repositories, fan_id: int, expert_id: int, source: str) -> bool:
    """Stop following; True if the fan was following."""
    removed = await repos.follows.unfollow(fan_id, expert_id)
    if removed:
        await repos.events.record("unfollow", user_id=fan_id, expert_id=expert_id, source=source)
    return removed
