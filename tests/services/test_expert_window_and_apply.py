"""/mywindow's and /become_expert's use cases on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.experts import window
from bot.experts.applications import check_handle_free, start_application, submit_application
from bot.services import Services
from tests.services.campaign_world import expert, start_services
from tests.services.campaign_world import window as fill_window


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def order_of(services: Services, expert_id: int) -> list[int]:
    items, _ = await services.repos.items.of_expert(expert_id, limit=10)
    return [item.id for item in items]


async def test_reorder_moves_one_place_and_stops_at_the_ends(services: Services) -> None:
    user_id, profile = await expert(services, 5201, "lina")
    first, second, third = (item.id for item in await fill_window(services, profile.id, 3))
    moved = await window.move_item(services, user_id=user_id, item_id=third, direction=-1)
    assert moved.moved and await order_of(services, profile.id) == [first, third, second]
    at_end = await window.move_item(services, user_id=user_id, item_id=first, direction=-1)
    assert not at_end.moved and await order_of(services, profile.id) == [first, third, second]
    actions = [e.action for e in await services.repos.audit.for_target("item", third)]
    assert actions == ["item.move"]
    page = await window.window_page(services, user_id=user_id, page=0)
    assert [item.id for item in page.items] == [first, third, second]
    assert (page.total, page.pages) == (3, 1)


async def test_another_experts_item_is_not_yours(services: Services) -> None:
    _, owner = await expert(services, 5202, "owner")
    intruder_id, _ = await expert(services, 5203, "intruder")
    [item] = await fill_window(services, owner.id, 1)
    for act in (
        window.move_item(services, user_id=intruder_id, item_id=item.id, direction=1),
        window.change_listing(services, user_id=intruder_id, item_id=item.id, listed=False),
        window.pin_item(services, user_id=intruder_id, item_id=item.id, days=3),
        window.edit_field(services, user_id=intruder_id, item_id=item.id, field="price", text="1"),
    ):
        with pytest.raises(DomainError) as refused:
            await act
        assert refused.value.code == "window.not_yours"
    assert (await services.repos.items.get(item.id)) == item  # nothing changed


async def test_delist_then_pin_is_refused_and_relist_lists_again(services: Services) -> None:
    user_id, profile = await expert(services, 5204, "mei")
    [item] = await fill_window(services, profile.id, 1)
    delisted = await window.change_listing(services, user_id=user_id, item_id=item.id, listed=False)
    assert delisted.status == "delisted"
    with pytest.raises(DomainError) as refused:
        await window.pin_item(services, user_id=user_id, item_id=item.id, days=3)
    assert refused.value.code == "window.pin_unlisted"
    relisted = await window.change_listing(services, user_id=user_id, item_id=item.id, listed=True)
    assert relisted.status == "listed"
    pinned = await window.pin_item(services, user_id=user_id, item_id=item.id, days=3)
    assert pinned.pinned_until is not None
    actions = [e.action for e in await services.repos.audit.for_target("item", item.id)]
    assert actions == ["item.delist", "item.relist", "item.pin"]


async def test_an_edit_is_checked_and_audited_with_old_and_new(services: Services) -> None:
    user_id, profile = await expert(services, 5205, "bo")
    [item] = await fill_window(services, profile.id, 1)
    with pytest.raises(DomainError) as refused:
        await window.edit_field(services, user_id=user_id, item_id=item.id, field="price", text="x")
    assert refused.value.code.startswith("price.")
    edited = await window.edit_field(
        services, user_id=user_id, item_id=item.id, field="price", text="139"
    )
    assert edited.price_fen == 13900
    [entry] = await services.repos.audit.for_target("item", item.id)
    assert entry.action == "item.edit.price"
    assert entry.detail == {"old": item.price_fen, "new": 13900}


async def test_a_suspended_expert_manages_nothing(services: Services) -> None:
    user_id, profile = await expert(services, 5206, "gone")
    [item] = await fill_window(services, profile.id, 1)
    await services.repos.experts.set_status(profile.id, "suspended", reason="Fake reviews.")
    with pytest.raises(DomainError) as refused:
        await window.window_page(services, user_id=user_id, page=0)
    assert refused.value.code == "expert.not_allowed"
    assert refused.value.params == {"status": "suspended", "reason": "Fake reviews."}
    with pytest.raises(DomainError):
        await window.change_listing(services, user_id=user_id, item_id=item.id, listed=False)
    assert (await services.repos.items.get(item.id)).status == "listed"  # type: ignore[union-attr]


async def apply(services: Services, user_id: int, handle: str = "Lina_Glow") -> int:
    profile = await submit_application(
        services,
        user_id,
        handle=handle,
        display_name="Lina Chen",
        vertical="beauty",
        tags=["makeup", "skincare"],
        bio="Ten years of testing serums on sensitive skin.",
    )
    return profile.id


async def test_applying_twice_is_refused_while_the_first_waits(services: Services) -> None:
    user = await services.repos.users.upsert_from_telegram(5207, "Lina", None, "en")
    await start_application(services, user_id=user.id)
    expert_id = await apply(services, user.id)
    stored = await services.repos.experts.get(expert_id)
    assert stored is not None and stored.status == "pending"
    assert stored.tags == ("skincare", "makeup")  # in catalogue order
    with pytest.raises(DomainError) as refused:
        await start_application(services, user_id=user.id)
    assert (refused.value.code, refused.value.params) == ("apply.already", {"status": "pending"})
    with pytest.raises(DomainError) as again:
        await apply(services, user.id, handle="Lina_Two")
    assert again.value.code == "apply.already"
    audit = await services.repos.audit.for_target("expert", expert_id)
    assert [e.action for e in audit] == ["expert.apply"]  # the refused one left no trace


async def test_a_handle_is_held_case_insensitively(services: Services) -> None:
    first = await services.repos.users.upsert_from_telegram(5208, "A", None, "en")
    second = await services.repos.users.upsert_from_telegram(5209, "B", None, "en")
    await apply(services, first.id, handle="Glow_Up")
    assert await check_handle_free(services, "@Glow_Up", first.id) == "Glow_Up"  # their own
    with pytest.raises(DomainError) as refused:
        await check_handle_free(services, "glow_up", second.id)
    assert refused.value.code == "handle.taken"
    with pytest.raises(DomainError):
        await apply(services, second.id, handle="GLOW_UP")
    assert await services.repos.experts.by_user(second.id) is None


async def test_a_rejected_applicant_applies_again(services: Services) -> None:
    user = await services.repos.users.upsert_from_telegram(5210, "Lu", None, "en")
    expert_id = await apply(services, user.id)
    await services.repos.experts.set_status(expert_id, "rejected", reason="Too vague.")
    await start_application(services, user_id=user.id)
    assert await apply(services, user.id, handle="Lu_Again") == expert_id
    stored = await services.repos.experts.get(expert_id)
    assert stored is not None and (stored.status, stored.handle) == ("pending", "Lu_Again")
