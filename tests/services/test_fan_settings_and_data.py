"""/settings, /interests and a fan's data on a real SQLite file: each change is saved or
refused whole, and what /mydata exports and /forget deletes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.domain.states import Language
from bot.fan import cart, favourites, follows, interests, privacy, settings
from bot.services import Services
from tests.services.campaign_world import TZ, start_services
from tests.services.fan_world import world


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path, VITRINE_PUSHES_PER_FAN_PER_DAY="5")
    yield built
    await built.close()


async def test_a_push_setting_is_saved_and_shown(services: Services) -> None:
    w = await world(services)
    changed = await settings.change_setting(
        services, user_id=w.ann, timezone=TZ, setting="mode", value="digest"
    )
    assert changed.row.push_mode == "digest"
    quiet = await settings.change_setting(
        services, user_id=w.ann, timezone=TZ, setting="quiet", value="2300-0700"
    )
    assert (quiet.row.quiet_start_min, quiet.row.quiet_end_min) == (23 * 60, 7 * 60)
    shown = await settings.show_settings(services, user_id=w.ann)
    assert shown.row == quiet.row and shown.row.push_mode == "digest"


async def test_a_cap_above_the_platforms_is_refused_and_never_applies(services: Services) -> None:
    w = await world(services)
    assert settings.cap_choices(5) == ["1", "3", "5"]
    with pytest.raises(DomainError) as refused:
        await settings.change_setting(
            services, user_id=w.ann, timezone=TZ, setting="cap", value="10"
        )
    assert refused.value.code == "settings.bad_value"
    capped = await settings.change_setting(
        services, user_id=w.ann, timezone=TZ, setting="cap", value="5"
    )
    assert (capped.row.daily_cap, capped.cap, capped.platform_cap) == (5, 5, 5)


async def test_a_bad_value_changes_nothing(services: Services) -> None:
    w = await world(services)
    before = await settings.show_settings(services, user_id=w.ann)
    for setting, value in (("mode", "loud"), ("quiet", "25:00"), ("digest", "x"), ("lang", "fr")):
        with pytest.raises(DomainError):
            await settings.change_setting(
                services, user_id=w.ann, timezone=TZ, setting=setting, value=value
            )
    assert await settings.show_settings(services, user_id=w.ann) == before


async def test_the_language_is_pinned(services: Services) -> None:
    w = await world(services)
    await settings.change_setting(
        services, user_id=w.ann, timezone=TZ, setting="lang", value=Language.ZH_HANS
    )
    user = await services.repos.users.get(w.ann)
    assert user is not None and user.language == Language.ZH_HANS


async def test_interests_toggle_known_tags_only(services: Services) -> None:
    w = await world(services)
    assert await interests.toggle_interest(services, fan_id=w.ann, tag="skincare") == {"skincare"}
    with pytest.raises(DomainError) as refused:
        await interests.toggle_interest(services, fan_id=w.ann, tag="no-such-tag")
    assert refused.value.code == "interest.unknown"
    assert await interests.toggle_interest(services, fan_id=w.ann, tag="skincare") == frozenset()
    assert await interests.interests_of(services, fan_id=w.ann) == frozenset()


async def test_mydata_exports_what_the_fan_did_and_forget_deletes_it(services: Services) -> None:
    w = await world(services)
    await follows.follow_expert(services, fan_id=w.ann, expert_id=w.lina.id, source="card")
    await favourites.toggle_favourite(services, fan_id=w.ann, item_id=w.items[0].id)
    await cart.add_to_cart(services, fan_id=w.ann, item_id=w.items[1].id)
    exported = await privacy.export_my_data(services, user_id=w.ann)
    text = repr(exported)
    assert "lina" in text and w.items[0].title in text and w.items[1].title in text
    await privacy.forget_me(services, user_id=w.ann)
    assert (await cart.show_cart(services, fan_id=w.ann, page=0)).shown == ()
    assert (await favourites.show_favourites(services, fan_id=w.ann, page=0)).items == ()
    assert (await follows.show_following(services, fan_id=w.ann, page=0)).entries == ()


async def test_a_fan_who_blocked_the_bot_is_marked_unreachable(services: Services) -> None:
    w = await world(services)
    await privacy.bot_blocked(services, telegram_id=7001)
    user = await services.repos.users.get(w.ann)
    assert user is not None and user.unreachable
