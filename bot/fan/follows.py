"""Following experts: an expert's card, follow (from a button or a deep link), unfollow, mute,
and the /following list.

Each use case opens one unit of work and returns what the screen shows after it (the card or a
page of /following), or raises DomainError: "expert.gone" (not shown to fans any more),
"follow.not_following" (mute on an expert the fan does not follow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.fan.paging import Paging, clamp_page
from bot.fan.records import Expert, FollowedExpert
from bot.fan.window import WindowView, active_expert, window_in
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.services import Services

FOLLOWING_PAGE_SIZE = 5


@dataclass(frozen=True)
class ExpertCardView:
    """An expert's card: the profile, the fan's follow and mute state, and the counts."""

    expert: Expert
    following: bool
    muted: bool
    followers: int
    items: int


@dataclass(frozen=True)
class FollowingView:
    """A page of the experts the fan follows, newest follow first."""

    entries: tuple[FollowedExpert, ...]
    paging: Paging
    moved: bool  # the page asked for no longer exists; the last one is shown


@dataclass(frozen=True)
class FollowChanged:
    """After Follow, Unfollow or Mute: whether it changed anything, and the screen to redraw.

    `changed`: followed anew, unfollowed, or (for Mute) now muted. `following` is the
    /following page asked for; otherwise `card` is the expert's card.
    """

    expert: Expert
    changed: bool
    card: ExpertCardView
    following: FollowingView | None


@dataclass(frozen=True)
class LinkFollowed:
    """A deep link followed: whether anew, the card's state and the window's first page."""

    created: bool
    card: ExpertCardView
    window: WindowView


# --- inside a unit of work ----------------------------------------------------------------


async def follow_in(uow: Repositories, fan_id: int, expert: Expert, source: str) -> bool:
    """Follow; True if new. Following twice is harmless and counted once."""
    created = await uow.follows.follow(fan_id, expert.id, source)
    if created:
        await uow.events.record("follow", user_id=fan_id, expert_id=expert.id, source=source)
    return created


async def card_in(uow: Repositories, fan_id: int, expert: Expert) -> ExpertCardView:
    """The expert's card as this fan sees it."""
    following, muted = await uow.follows.status(fan_id, expert.id)
    _items, item_count = await uow.items.window(expert.id, offset=0, limit=0)
    followers = await uow.experts.follower_count(expert.id)
    return ExpertCardView(expert, following, muted, followers, item_count)


async def following_in(uow: Repositories, fan_id: int, page: int) -> FollowingView:
    """Page `page` of /following (the last page if it moved)."""
    offset = max(page, 0) * FOLLOWING_PAGE_SIZE
    found, total = await uow.follows.page(fan_id, offset=offset, limit=FOLLOWING_PAGE_SIZE)
    paging, moved = clamp_page(page, FOLLOWING_PAGE_SIZE, total)
    if moved and total:
        found, total = await uow.follows.page(fan_id, offset=paging.offset, limit=paging.size)
    return FollowingView(tuple(found), paging, moved)


async def _changed(
    uow: Repositories, fan_id: int, expert: Expert, changed: bool, following_page: int | None
) -> FollowChanged:
    listing = None if following_page is None else await following_in(uow, fan_id, following_page)
    return FollowChanged(expert, changed, await card_in(uow, fan_id, expert), listing)


# --- the use cases ------------------------------------------------------------------------


async def expert_card(services: Services, *, fan_id: int, expert_id: int) -> ExpertCardView:
    """An expert's card from a list button."""
    async with services.unit_of_work() as uow:
        return await card_in(uow, fan_id, await active_expert(uow, expert_id))


async def show_following(services: Services, *, fan_id: int, page: int) -> FollowingView:
    """/following and its page buttons."""
    async with services.unit_of_work() as uow:
        return await following_in(uow, fan_id, page)


async def follow_expert(
    services: Services,
    *,
    fan_id: int,
    expert_id: int,
    source: str,
    following_page: int | None = None,
) -> FollowChanged:
    """Follow an active expert from any button; `changed` False when already following."""
    async with services.unit_of_work(write=True) as uow:
        expert = await active_expert(uow, expert_id)
        created = await follow_in(uow, fan_id, expert, source)
        return await _changed(uow, fan_id, expert, created, following_page)


async def unfollow_expert(
    services: Services,
    *,
    fan_id: int,
    expert_id: int,
    source: str,
    following_page: int | None = None,
) -> FollowChanged:
    """Stop following (from a card, a push or /following); `changed` False if not following.

    An expert who is no longer shown can still be unfollowed; one who does not exist is gone.
    """
    async with services.unit_of_work(write=True) as uow:
        expert = await uow.experts.get(expert_id)
        if expert is None:
            raise DomainError("expert.gone")
        removed = await uow.follows.unfollow(fan_id, expert.id)
        if removed:
            await uow.events.record("unfollow", user_id=fan_id, expert_id=expert.id, source=source)
        return await _changed(uow, fan_id, expert, removed, following_page)


async def toggle_mute(
    services: Services, *, fan_id: int, expert_id: int, following_page: int | None = None
) -> FollowChanged:
    """Mute or unmute a followed expert's pushes; `changed` is whether they are muted now."""
    async with services.unit_of_work(write=True) as uow:
        expert = await uow.experts.get(expert_id)
        muted = await uow.follows.toggle_mute(fan_id, expert_id) if expert else None
        if expert is None or muted is None:
            raise DomainError("follow.not_following")
        return await _changed(uow, fan_id, expert, muted, following_page)


async def follow_from_link(services: Services, *, fan_id: int, handle: str) -> LinkFollowed:
    """/start <handle>: follow the expert the deep link names and open their window.

    DomainError("expert.unknown") when no active expert has the handle.
    """
    async with services.unit_of_work(write=True) as uow:
        expert = await uow.experts.by_handle(handle)
        if expert is None or not expert.is_active:
            raise DomainError("expert.unknown", handle=handle)
        created = await follow_in(uow, fan_id, expert, "deep_link")
        card = await card_in(uow, fan_id, expert)
        window = await window_in(uow, fan_id=fan_id, expert=expert, page=0)
        return LinkFollowed(created, card, window)
