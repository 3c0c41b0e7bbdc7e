"""What an expert is told while running campaigns: the daily limit, empty audiences, headlines.

Issue 12 ("the first week"): the daily campaign limit was told only after Confirm; a campaign
that reached nobody used a daily slot and showed "0 / 0 sent"; an auto placement run that
reached nobody said nothing of why; a headline without push promised progress it never showed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from bot.app import Runtime
from bot.campaigns.callbacks import (
    WizardAudience,
    WizardConfirm,
    WizardItemsDone,
    WizardItemToggle,
    WizardKind,
    WizardSchedule,
    WizardTagsDone,
    WizardTagToggle,
)
from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import campaign_quota, local_formatter
from bot.domain.callbacks import encode
from bot.texts import Texts
from storage.schema import campaigns, outbox
from tests.auxil.campaigns import Lina, eventually, follower, lina_in, run_now
from tests.auxil.sim import Message, Sim, SimUser, buttons_of, text_of
from tests.journeys.test_campaign_push import tap

LANGUAGES = ("en", "zh_Hans")
TZ = "Asia/Shanghai"  # Lina's time zone (the default)


def plain(text: str) -> str:
    """What a person reads of rendered Telegram HTML."""
    return html.unescape(re.sub("<[^>]+>", "", text))


def tr(texts: Texts, language: str, msgid: str, **values: Any) -> str:
    """One sentence of the catalogue in `language`, as the person reads it."""
    return plain(texts.env(language).from_string("{{ _(m, **v) }}").render(m=msgid, v=values))


def ntr(texts: Texts, language: str, singular: str, plural: str, n: int, **values: Any) -> str:
    """One plural sentence of the catalogue in `language`."""
    template = texts.env(language).from_string("{{ ngettext(s, p, n, **v) }}")
    return plain(template.render(s=singular, p=plural, n=n, v=values))


def says(texts: Texts, language: str, template: str, **values: Any) -> str:
    """A whole template as the person reads it."""
    return plain(texts.render(template, language, **values))


async def open_wizard(lina: Lina) -> Message:
    """/campaign, and whatever the bot answers to it."""
    sent = await lina.person.send("/campaign")
    return await lina.person.wait_for(lambda m: True, after=sent["message_id"])


async def progress_of(lina: SimUser, campaign_id: int, predicate: Callable[[str], bool]) -> Message:
    """The campaign's progress message once it satisfies `predicate`."""
    return await lina.wait_for(
        lambda m: f"#{campaign_id} ·" in text_of(m) and predicate(text_of(m)), timeout=20
    )


async def campaigns_left(vitrine: Runtime, lina: Lina) -> int:
    """How many campaigns Lina may still start today."""
    quota = await campaign_quota(
        vitrine.services, expert_id=lina.expert.id, tz=TZ, at=datetime.now(UTC)
    )
    return quota.remaining


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_wizard_says_how_many_campaigns_are_left_and_refuses_at_the_start(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    texts = vitrine.services.texts
    lina = await lina_in(vitrine, sim, tmp_path, language)
    await follower(vitrine, sim, 6101, language)
    assert vitrine.services.settings.delivery.campaigns_per_day == 2

    def left(n: int) -> str:
        return ntr(
            texts,
            language,
            "You can start %(num)s more campaign today (%(limit)s a day, so fans aren't flooded).",
            "You can start %(num)s more campaigns today (%(limit)s a day, so fans aren't flooded).",
            n,
            limit=2,
        )

    shown = await open_wizard(lina)
    assert left(2) in text_of(shown)
    assert text_of(shown) == says(texts, language, "campaign/ask_kind", left=2, limit=2)
    await run_now(vitrine, lina.expert, "push", (lina.items[0].id,))
    shown = await open_wizard(lina)
    assert left(1) in text_of(shown)
    assert text_of(shown) == says(texts, language, "campaign/ask_kind", left=1, limit=2)
    # She leaves that wizard half-way; /campaign again starts afresh.
    await run_now(vitrine, lina.expert, "push", (lina.items[1].id,))

    # None left: said at once, before anything is prepared, with when it resets.
    shown = await open_wizard(lina)
    quota = await campaign_quota(
        vitrine.services, expert_id=lina.expert.id, tz=TZ, at=datetime.now(UTC)
    )
    assert text_of(shown) == says(
        texts,
        language,
        "campaign/errors",
        code="campaign.none_left_today",
        params={"limit": 2, "resets_at": quota.resets_at},
        local=local_formatter(TZ),
    )
    assert local_formatter(TZ)(quota.resets_at) in text_of(shown)
    assert not buttons_of(shown)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_preview_reaching_nobody_says_why_and_offers_no_confirm(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    texts = vitrine.services.texts
    lina = await lina_in(vitrine, sim, tmp_path, language)
    for telegram_id in (6201, 6202):  # skincare fans; nobody is into makeup
        await follower(vitrine, sim, telegram_id, language, tags=("skincare",))

    message = await open_wizard(lina)
    for value in (
        WizardKind("push"),
        WizardItemToggle(lina.items[0].id),
        WizardItemsDone(),
        WizardAudience("tags"),
        WizardTagToggle("makeup"),
        WizardTagsDone(),
        WizardSchedule("now"),
    ):
        await tap(lina.person, message["message_id"], value)
    nobody = tr(texts, language, "Nobody can get it right now.")
    preview = await lina.person.wait_for_change(
        message["message_id"], lambda m: nobody in text_of(m)
    )
    assert ntr(texts, language, "Of your %(num)s follower:", "Of your %(num)s followers:", 2) in (
        text_of(preview)
    )
    assert ntr(
        texts,
        language,
        "%(num)s has none of the interests %(tags)s",
        "%(num)s have none of the interests %(tags)s",
        2,
        tags="makeup",
    ) in text_of(preview)
    assert encode(WizardConfirm()) not in [b.get("callback_data") for b in buttons_of(preview)]
    assert await campaigns_left(vitrine, lina) == 2


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_campaign_that_reached_nobody_says_why_and_gives_its_slot_back(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    texts = vitrine.services.texts
    repos = vitrine.services.repos
    lina = await lina_in(vitrine, sim, tmp_path, language)
    for telegram_id in (6301, 6302):
        _, fan_id = await follower(vitrine, sim, telegram_id, language)
        assert await repos.follows.toggle_mute(fan_id, lina.expert.id) is True
    await follower(vitrine, sim, 6303, language, push_mode="off")

    # Scheduled while they still listened; by its start time all have muted her or turned off.
    campaign_id = await run_now(vitrine, lina.expert, "push", (lina.items[0].id,))
    nobody = tr(texts, language, "This campaign reached nobody.")
    progress = await progress_of(lina.person, campaign_id, lambda t: nobody in t)
    text = text_of(progress)
    assert (
        ntr(texts, language, "Of your %(num)s follower:", "Of your %(num)s followers:", 3) in text
    )
    assert ntr(texts, language, "%(num)s muted your pushes", "%(num)s muted your pushes", 2) in text
    assert (
        ntr(texts, language, "%(num)s turned all pushes off", "%(num)s turned all pushes off", 1)
        in text
    )
    assert tr(texts, language, "It doesn't count toward your campaigns for the day.") in text
    assert "0 / 0" not in text
    assert await campaigns_left(vitrine, lina) == 2
    shown = await open_wizard(lina)
    assert text_of(shown) == says(texts, language, "campaign/ask_kind", left=2, limit=2)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_auto_placement_run_that_reached_nobody_says_why(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    texts = vitrine.services.texts
    repos = vitrine.services.repos
    lina = await lina_in(vitrine, sim, tmp_path, language)
    now = datetime.now(UTC)
    for telegram_id in (6401, 6402):
        _, fan_id = await follower(vitrine, sim, telegram_id, language)
        # Each has had the platform's 3 pushes today from other experts' campaigns.
        async with repos.engine.begin() as conn:
            await conn.execute(
                insert(outbox),
                [
                    {
                        "kind": "push",
                        "chat_id": telegram_id,
                        "user_id": fan_id,
                        "dedup_key": f"earlier:{fan_id}:{n}",
                        "payload": {},
                        "status": "sent",
                        "attempts": 1,
                        "next_attempt_at": now,
                        "sent_at": now,
                        "created_at": now,
                    }
                    for n in range(3)
                ],
            )

    campaign_id = await run_now(
        vitrine, lina.expert, "auto", (lina.items[0].id,), recurrence="daily 20:00"
    )
    nobody = tr(texts, language, "This run reached nobody.")
    progress = await progress_of(lina.person, campaign_id, lambda t: nobody in t)
    capped = "%(num)s already had their most pushes for today (they can get pushes again tomorrow)"
    assert ntr(texts, language, capped, capped, 2) in text_of(progress)
    assert "0 / 0" not in text_of(progress)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_each_auto_placement_run_reports_its_own_fans(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    texts = vitrine.services.texts
    repos = vitrine.services.repos
    lina = await lina_in(vitrine, sim, tmp_path, language)
    fan, fan_id = await follower(vitrine, sim, 6501, language)
    item = lina.items[0]
    campaign_id = await run_now(vitrine, lina.expert, "auto", (item.id,), recurrence="daily 20:00")
    await fan.wait_for(lambda m: item.title in text_of(m))

    async def run_over() -> bool:
        campaign = await repos.campaigns.get(campaign_id)
        return campaign is not None and campaign.status == "scheduled"

    await eventually(run_over, timeout=20)
    # That run was yesterday's (moved back a day: a test cannot wait for tomorrow's run).
    yesterday = timedelta(days=1)
    async with repos.engine.begin() as conn:
        first = await repos.campaigns.get(campaign_id)
        assert first is not None and first.started_at is not None
        await conn.execute(
            update(outbox)
            .where(outbox.c.campaign_id == campaign_id)
            .values(created_at=first.started_at - yesterday)
        )
        await conn.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign_id)
            .values(started_at=first.started_at - yesterday)
        )
    # Today the fan has muted Lina; today's run comes.
    assert await repos.follows.toggle_mute(fan_id, lina.expert.id) is True
    assert await campaigns_of(vitrine.application.bot_data).fire(campaign_id) == 0
    nobody = tr(texts, language, "This run reached nobody.")
    progress = await progress_of(lina.person, campaign_id, lambda t: nobody in t)
    assert ntr(texts, language, "%(num)s muted your pushes", "%(num)s muted your pushes", 1) in (
        text_of(progress)
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_headline_without_push_says_what_it_did_not_progress_to_come(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    texts = vitrine.services.texts
    lina = await lina_in(vitrine, sim, tmp_path, language)
    await follower(vitrine, sim, 6601, language)
    item = lina.items[0]

    message = await open_wizard(lina)
    for value in (
        WizardKind("headline"),
        WizardItemToggle(item.id),
        WizardItemsDone(),
        WizardAudience("none"),
        WizardSchedule("now"),
    ):
        await tap(lina.person, message["message_id"], value)
    done = await tap(lina.person, message["message_id"], WizardConfirm())

    pinned = await vitrine.services.repos.items.get(item.id)
    assert pinned is not None and pinned.pinned_until is not None
    (campaign,) = await vitrine.services.repos.campaigns.for_expert(lina.expert.id)
    assert campaign.status == "done"
    promise = tr(
        texts,
        language,
        "Campaign #%(id)s is starting. I'll show its progress below.",
        id=campaign.id,
    )
    assert promise not in text_of(done)
    assert text_of(done) == says(
        texts,
        language,
        "campaign/confirmed",
        campaign=campaign,
        now=True,
        pinned=pinned,
        local=local_formatter(TZ),
    )
    assert item.title in text_of(done)
    assert local_formatter(TZ)(pinned.pinned_until) in text_of(done)
