"""Meeting the person behind an update, on a real SQLite file: created once, kept up to date,
their language following their client until they choose one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import people
from bot.services import Services
from tests.services.campaign_world import start_services


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    started = await start_services(tmp_path)
    yield started
    await started.close()


async def test_a_person_is_met_once_and_follows_their_client(services: Services) -> None:
    first = await people.meet(
        services, telegram_id=41, first_name="Ann", username="ann", language_code="en"
    )
    again = await people.meet(
        services, telegram_id=41, first_name="Ann", username="ann", language_code="en"
    )
    assert again == first and first.language == "en" and first.client_language == "en"
    moved = await people.meet(
        services, telegram_id=41, first_name="Ann", username="ann", language_code="zh-hans"
    )
    assert moved.id == first.id and moved.language == "zh_Hans"
    assert await people.language_of(services, telegram_id=41) == "zh_Hans"
    assert await people.language_of(services, telegram_id=42) is None


async def test_a_chosen_language_stays_whatever_the_client_says(services: Services) -> None:
    ann = await people.meet(
        services, telegram_id=43, first_name="Ann", username=None, language_code="zh-hans"
    )
    await services.repos.users.set_language(ann.id, "en")
    again = await people.meet(
        services, telegram_id=43, first_name="Ann", username=None, language_code="zh-hans"
    )
    assert again.language == "en" and again.language_chosen


async def test_writing_again_after_blocking_makes_them_reachable(services: Services) -> None:
    ann = await people.meet(
        services, telegram_id=44, first_name="Ann", username=None, language_code="en"
    )
    await people.blocked_us(services, telegram_id=44)
    assert (await services.repos.users.get(ann.id)).unreachable  # type: ignore[union-attr]
    back = await people.meet(
        services, telegram_id=44, first_name="Ann", username=None, language_code="en"
    )
    assert not back.unreachable
    assert await people.greeted(services, user_id=ann.id) is True
    assert await people.greeted(services, user_id=ann.id) is False
