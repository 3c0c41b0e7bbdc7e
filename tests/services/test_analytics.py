"""The statistics use cases (bot/analytics/service.py) on a real SQLite file: who may read what,
and what each returns from one unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.analytics import service
from bot.analytics.export import BOM, parse_csv
from bot.campaigns.service import Draft, create_campaign, now_utc
from bot.domain.errors import DomainError
from bot.services import Services
from tests.conftest import ADMIN_TELEGRAM_ID
from tests.services.campaign_world import TZ, expert, fan, start_services, window


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def campaign_of(services: Services, expert_id: int, item_id: int) -> int:
    draft = Draft("push", (item_id,), (), True, now_utc() + timedelta(days=1), None)
    created = await create_campaign(
        services, expert_id=expert_id, tz=TZ, draft=draft, progress_chat_id=None
    )
    return created.id


async def refusal(call: Awaitable[object]) -> DomainError:
    with pytest.raises(DomainError) as refused:
        await call
    return refused.value


async def test_only_verified_or_suspended_experts_read_reports(services: Services) -> None:
    stranger = await services.repos.users.upsert_from_telegram(6001, "Sam", None, "en")
    error = await refusal(service.expert_overview(services, user_id=stranger.id))
    assert (error.code, error.params) == ("report.not_expert", {"status": "none"})
    pending_user, _pending = await expert(services, 6002, "nova", status="pending")
    error = await refusal(service.check_reader(services, user_id=pending_user))
    assert error.params == {"status": "pending"}
    suspended_user, _suspended = await expert(services, 6003, "past", status="suspended")
    assert await service.check_reader(services, user_id=suspended_user) == "past"
    shown = await service.expert_overview(services, user_id=suspended_user)
    assert shown.handle == "past" and shown.overview.followers == 0


async def test_a_campaign_report_is_for_its_owner_only(services: Services) -> None:
    lina_user, lina = await expert(services, 901, "lina")
    kai_user, _kai = await expert(services, 902, "kai")
    (item,) = await window(services, lina.id, 1)
    await fan(services, 7001, lina.id)
    campaign_id = await campaign_of(services, lina.id, item.id)
    report = await service.campaign_report(services, user_id=lina_user, campaign_id=campaign_id)
    assert (report.campaign_id, report.expert_id, report.kind) == (campaign_id, lina.id, "push")
    error = await refusal(
        service.campaign_report(services, user_id=kai_user, campaign_id=campaign_id)
    )
    assert (error.code, error.params) == ("report.not_owner", {"campaign_id": campaign_id})
    error = await refusal(service.campaign_report(services, user_id=lina_user, campaign_id=999))
    assert error.code == "report.not_found"
    error = await refusal(
        service.expert_exports(services, user_id=kai_user, campaign_id=campaign_id, timezone=TZ)
    )
    assert error.code == "report.not_owner"


async def test_exports_are_three_csv_files_and_all_of_nothing_is_refused(
    services: Services,
) -> None:
    lina_user, lina = await expert(services, 901, "lina")
    error = await refusal(
        service.expert_exports(services, user_id=lina_user, campaign_id=None, timezone=TZ)
    )
    assert error.code == "report.nothing_to_export"
    (item,) = await window(services, lina.id, 1)
    campaign_id = await campaign_of(services, lina.id, item.id)
    files = await service.expert_exports(
        services, user_id=lina_user, campaign_id=campaign_id, timezone=TZ
    )
    assert [f.filename for f in files] == [
        f"vitrine-campaign-{campaign_id}-deliveries.csv",
        f"vitrine-campaign-{campaign_id}-clicks.csv",
        f"vitrine-campaign-{campaign_id}-orders.csv",
    ]
    assert all(f.content.decode("utf-8").startswith(BOM) for f in files)
    assert [parse_csv(f.content) for f in files] == [[], [], []]
    assert [f.rows for f in files] == [0, 0, 0]


async def test_merchant_export_and_platform_totals_are_refused_to_the_wrong_people(
    services: Services,
) -> None:
    lina_user, lina = await expert(services, 901, "lina")
    await window(services, lina.id, 2)
    error = await refusal(service.merchant_export(services, user_id=lina_user, timezone=TZ))
    assert error.code == "report.not_merchant"
    error = await refusal(service.platform_totals(services, telegram_id=901))
    assert error.code == "report.not_admin"
    view = await service.platform_totals(services, telegram_id=ADMIN_TELEGRAM_ID)
    assert (view.totals.experts, view.totals.items) == (1, 2)
    assert len(view.today) == len("2026-01-31")
