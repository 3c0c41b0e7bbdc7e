"""The admins' use cases on a real SQLite file: decisions, item reports, suspensions, notices.

Each test reads the database afterwards (statuses, audit log, outbox rows), so what is checked
is what the use case committed, not what it returned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.admin import moderation, suspensions
from bot.admin.item_reports import report_item
from bot.admin.notices import queue_notice, send_notice
from bot.domain.errors import DomainError
from bot.services import Services
from tests.conftest import ADMIN_TELEGRAM_ID
from tests.services.campaign_world import expert, fan, start_services, window


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def admin(services: Services) -> int:
    user = await services.repos.users.upsert_from_telegram(ADMIN_TELEGRAM_ID, "Ada", None, "en")
    return user.id


async def rows_of_kind(services: Services, kind: str) -> list[dict[str, object]]:
    return [row for row in await services.repos.outbox.all_rows() if row["kind"] == kind]


@pytest.mark.parametrize("forged", ["report", "fan"])
async def test_a_forged_suspend_kind_is_refused_and_suspends_no_item(
    services: Services, forged: str
) -> None:
    admin_id = await admin(services)
    _user, lina = await expert(services, 901, "lina")
    (item,) = await window(services, lina.id, 1)
    with pytest.raises(DomainError) as refused:
        await moderation.set_suspended(services, admin_id, forged, item.id, suspended=True)  # type: ignore[arg-type]  # the forged kind is the point
    assert refused.value.code == "admin.bad_target"
    with pytest.raises(DomainError) as asked:
        await suspensions.ask_suspension(services, kind=forged, target_id=item.id, suspend=True)
    assert asked.value.code == "admin.bad_target"
    with pytest.raises(DomainError):
        await suspensions.change_suspension(
            services, admin_id=admin_id, kind=forged, target_id=item.id, suspend=True, reason="x"
        )
    stored = await services.repos.items.get(item.id)
    assert stored is not None and stored.status == "listed"
    assert await services.repos.audit.for_target("item", item.id) == []


@pytest.mark.parametrize("forged", ["item", "fan"])
async def test_a_forged_approve_or_reject_kind_is_refused(services: Services, forged: str) -> None:
    admin_id = await admin(services)
    _user, lina = await expert(services, 901, "lina")
    (item,) = await window(services, lina.id, 1)
    for attempt in (
        moderation.approve(services, admin_id=admin_id, kind=forged, target_id=item.id),
        moderation.ask_rejection(services, kind=forged, target_id=item.id),
        moderation.reject(services, admin_id=admin_id, kind=forged, target_id=item.id, reason="no"),
    ):
        with pytest.raises(DomainError) as refused:
            await attempt
        assert refused.value.code == "admin.bad_target"
    stored = await services.repos.items.get(item.id)
    assert stored is not None and stored.status == "listed"


async def test_the_same_notice_is_queued_once(services: Services) -> None:
    user = await services.repos.users.upsert_from_telegram(5101, "Kai", None, "en")
    bot = None  # send_notice no longer sends itself: the outbox does
    assert await send_notice(services, bot, user, "Your shop was approved.", kind="verdict")  # type: ignore[arg-type]  # bot is unused
    assert not await send_notice(services, bot, user, "Your shop was approved.", kind="verdict")  # type: ignore[arg-type]
    assert len(await rows_of_kind(services, "verdict")) == 1
    # Another event of the same kind to the same person is a new notice.
    assert await queue_notice(services, user, "Approved.", kind="verdict", event="expert:1:a")
    assert not await queue_notice(services, user, "Approved!", kind="verdict", event="expert:1:a")
    assert await queue_notice(services, user, "Approved.", kind="verdict", event="expert:2:a")
    assert len(await rows_of_kind(services, "verdict")) == 3


async def test_approving_an_expert_verifies_once_and_tells_them_once(services: Services) -> None:
    admin_id = await admin(services)
    user_id, kai = await expert(services, 902, "kai", status="pending")
    decided = await moderation.approve(services, admin_id=admin_id, kind="expert", target_id=kai.id)
    assert (decided.event, decided.subject, decided.menu_user_id) == ("approved", "@kai", user_id)
    stored = await services.repos.experts.get(kai.id)
    assert stored is not None and stored.status == "verified"
    with pytest.raises(DomainError) as again:
        await moderation.approve(services, admin_id=admin_id, kind="expert", target_id=kai.id)
    assert again.value.code == "admin.not_pending"
    assert [e.action for e in await services.repos.audit.for_target("expert", kai.id)] == [
        "expert.approve"
    ]
    assert len(await rows_of_kind(services, "expert_verdict")) == 1


async def test_a_rejection_needs_a_reason_and_keeps_it(services: Services) -> None:
    admin_id = await admin(services)
    _user, kai = await expert(services, 902, "kai", status="pending")
    assert await moderation.ask_rejection(services, kind="expert", target_id=kai.id) == "@kai"
    with pytest.raises(DomainError) as empty:
        await moderation.reject(
            services, admin_id=admin_id, kind="expert", target_id=kai.id, reason="   "
        )
    assert empty.value.code == "admin.reason_empty"
    stored = await services.repos.experts.get(kai.id)
    assert stored is not None and stored.status == "pending"
    decided = await moderation.reject(
        services, admin_id=admin_id, kind="expert", target_id=kai.id, reason=" Add  a photo. "
    )
    assert decided.event == "rejected"
    stored = await services.repos.experts.get(kai.id)
    assert stored is not None and stored.status == "rejected"
    (entry,) = await services.repos.audit.for_target("expert", kai.id)
    assert entry.detail == {"reason": "Add a photo."}


async def test_a_fans_report_reaches_the_admins_once_and_upholding_suspends_the_item(
    services: Services,
) -> None:
    admin_id = await admin(services)
    _user, lina = await expert(services, 901, "lina")
    (item,) = await window(services, lina.id, 1)
    fan_id = await fan(services, 7001, lina.id)
    step = await report_item(services, user_id=fan_id, item_id=item.id, reason="")
    assert step.event == "choose"
    assert await services.repos.item_reports.open_reports() == []
    assert (await report_item(services, user_id=fan_id, item_id=item.id, reason="fake")).event == (
        "thanks"
    )
    assert (await report_item(services, user_id=fan_id, item_id=item.id, reason="spam")).event == (
        "already"
    )
    (report,) = await services.repos.item_reports.open_reports()
    assert len(await rows_of_kind(services, "item_report")) == 1  # one admin, one notice

    decided = await moderation.approve(
        services, admin_id=admin_id, kind="report", target_id=report.id
    )
    assert (decided.event, decided.subject) == ("suspended", item.title)
    stored = await services.repos.items.get(item.id)
    assert stored is not None and stored.status == "suspended"
    assert await services.repos.item_reports.open_reports() == []
    (notice,) = await rows_of_kind(services, "suspension_notice")
    assert "Fake or counterfeit" in str(notice["payload"])
    with pytest.raises(DomainError) as gone:
        await report_item(services, user_id=fan_id, item_id=item.id, reason="")
    assert gone.value.code == "report.gone"


async def test_suspending_an_expert_keeps_the_reason_and_reinstating_gives_it_back(
    services: Services,
) -> None:
    admin_id = await admin(services)
    user_id, lina = await expert(services, 901, "lina")
    asked = await suspensions.ask_suspension(
        services, kind="expert", target_id=lina.id, suspend=True
    )
    assert (asked.subject, asked.owner, asked.unchanged) == ("@lina", "@lina", False)
    changed = await suspensions.change_suspension(
        services, admin_id=admin_id, kind="expert", target_id=lina.id, suspend=True, reason="Fakes."
    )
    assert changed.changed and changed.menu_user_id == user_id
    assert changed.card is not None and changed.card.suspended and changed.card.reason == "Fakes."
    again = await suspensions.ask_suspension(
        services, kind="expert", target_id=lina.id, suspend=True
    )
    assert again.unchanged
    back = await suspensions.change_suspension(
        services, admin_id=admin_id, kind="expert", target_id=lina.id, suspend=False, reason="OK."
    )
    assert back.changed and back.card is not None and back.card.status == "verified"
    assert len(await rows_of_kind(services, "suspension_notice")) == 2
    pending_user, pending = await expert(services, 903, "nova", status="pending")
    with pytest.raises(DomainError) as refused:
        await suspensions.ask_suspension(
            services, kind="expert", target_id=pending.id, suspend=True
        )
    assert refused.value.code == "admin.not_verified"
    assert pending_user
