"""Following on a real SQLite file: follow twice is one follow, unfollow, mute, the card and
/following, and a deep link that follows and opens the window in one use case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.fan import follows, search
from bot.services import Services
from tests.services.campaign_world import expert, start_services
from tests.services.fan_world import world


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def test_following_twice_is_one_follow_counted_once(services: Services) -> None:
    w = await world(services)
    first = await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    again = await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    assert (first.changed, again.changed) == (True, False)
    assert again.card.following and again.card.followers == 1 and again.card.items == 3
    assert await services.repos.events.count("follow", user_id=w.ann) == 1


async def test_unfollow_then_again_says_not_following(services: Services) -> None:
    w = await world(services)
    await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    gone = await follows.unfollow_expert(
        services, fan_id=w.ann, expert_id=w.lina.id, source="browse", following_page=0
    )
    again = await follows.unfollow_expert(
        services, fan_id=w.ann, expert_id=w.lina.id, source="browse"
    )
    assert (gone.changed, again.changed) == (True, False)
    assert gone.following is not None and gone.following.entries == ()
    assert not again.card.following and again.card.followers == 0
    assert await services.repos.events.count("unfollow", user_id=w.ann) == 1


async def test_an_expert_suspended_since_cannot_be_followed_but_can_be_left(
    services: Services,
) -> None:
    w = await world(services)
    await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    await services.repos.experts.set_status(w.lina.id, "suspended")
    other = await services.repos.users.upsert_from_telegram(7002, "Bo", None, "en")
    with pytest.raises(DomainError) as refused:
        await follows.follow_expert(services, fan_id=other.id, expert_id=w.lina.id, source="card")
    assert refused.value.code == "expert.gone"
    with pytest.raises(DomainError) as refused:
        await follows.expert_card(services, fan_id=w.ann, expert_id=w.lina.id)
    assert refused.value.code == "expert.gone"
    left = await follows.unfollow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    assert left.changed
    with pytest.raises(DomainError) as refused:
        await follows.unfollow_expert(services, fan_id=w.ann, expert_id=31337, source="card")
    assert refused.value.code == "expert.gone"


async def test_mute_flips_and_needs_a_follow(services: Services) -> None:
    w = await world(services)
    with pytest.raises(DomainError) as refused:
        await follows.toggle_mute(services, fan_id=w.ann, expert_id=w.lina.id)
    assert refused.value.code == "follow.not_following"
    await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    muted = await follows.toggle_mute(services, fan_id=w.ann, expert_id=w.lina.id)
    unmuted = await follows.toggle_mute(
        services, fan_id=w.ann, expert_id=w.lina.id, following_page=0
    )
    assert (muted.changed, muted.card.muted) == (True, True)
    assert (unmuted.changed, unmuted.card.muted) == (False, False)
    assert unmuted.following is not None
    assert [(e.expert.id, e.muted) for e in unmuted.following.entries] == [(w.lina.id, False)]


async def test_a_deep_link_follows_and_opens_the_first_card_of_the_window(
    services: Services,
) -> None:
    w = await world(services)
    followed = await follows.follow_from_link(services, fan_id=w.ann, handle="lina")
    assert followed.created and followed.card.following
    assert followed.window.item is not None and followed.window.item.id == w.items[0].id
    assert followed.window.paging.total == 3
    again = await follows.follow_from_link(services, fan_id=w.ann, handle="lina")
    assert not again.created
    events = services.repos.events
    assert await events.count("follow", user_id=w.ann) == 1
    assert await events.count("card_open", user_id=w.ann) == 2  # each welcome shows the card
    with pytest.raises(DomainError) as refused:
        await follows.follow_from_link(services, fan_id=w.ann, handle="nobody")
    assert refused.value.code == "expert.unknown"
    assert refused.value.params == {"handle": "nobody"}


async def test_following_pages_hold_five_and_an_old_page_moves_to_the_last(
    services: Services,
) -> None:
    w = await world(services)
    for n in range(6):
        _user, other = await expert(services, 950 + n, f"expert{n}")
        await follows.follow_expert(services, fan_id=w.ann, expert_id=other.id, source="card")
    first = await follows.show_following(services, fan_id=w.ann, page=0)
    late = await follows.show_following(services, fan_id=w.ann, page=7)
    assert len(first.entries) == 5 and first.paging.pages == 2 and not first.moved
    assert late.moved and late.paging.page == 1 and len(late.entries) == 1


async def test_experts_are_found_by_vertical_or_words(services: Services) -> None:
    w = await world(services)
    by_vertical = await search.browse_experts(services, vertical="beauty", page=0)
    assert [s.expert.id for s in by_vertical.found] == [w.lina.id]
    by_word = await search.browse_experts(services, vertical="", page=0, query="lin")
    assert [s.expert.id for s in by_word.found] == [w.lina.id]
    nothing = await search.browse_experts(services, vertical="", page=0, query="zzzz")
    assert nothing.found == () and nothing.total == 0
