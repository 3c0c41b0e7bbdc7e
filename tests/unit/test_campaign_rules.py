"""The campaign rules of bot/domain/campaigns.py, and the wire spelling of campaign kinds."""

from __future__ import annotations

import typing
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from telegram.ext import ApplicationBuilder
from telegram.warnings import PTBUserWarning

from bot.campaigns.callbacks import KindName, kind_name
from bot.domain import campaigns as rules
from bot.domain.campaigns import CampaignAction
from bot.domain.errors import DomainError
from bot.domain.states import CampaignKind, CampaignStatus

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
PAUSE, RESUME, CANCEL = CampaignAction.PAUSE, CampaignAction.RESUME, CampaignAction.CANCEL


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (CampaignStatus.SCHEDULED, (PAUSE, CANCEL)),
        (CampaignStatus.RUNNING, (PAUSE, CANCEL)),
        (CampaignStatus.PAUSED, (RESUME, CANCEL)),
        (CampaignStatus.DONE, ()),
        (CampaignStatus.CANCELLED, ()),
        (CampaignStatus.MISSED, ()),
        (CampaignStatus.DRAFT, ()),
    ],
)
def test_each_status_allows_its_actions_in_button_order(
    status: CampaignStatus, actions: tuple[CampaignAction, ...]
) -> None:
    assert rules.allowed_actions(status) == actions


def test_a_paused_campaign_resumes_to_where_it_was() -> None:
    assert rules.resumed_status(started=True) == CampaignStatus.RUNNING
    assert rules.resumed_status(started=False) == CampaignStatus.SCHEDULED


def test_up_to_three_items_and_one_for_a_headline_or_presale() -> None:
    chosen: tuple[int, ...] = ()
    for item_id in (1, 2, 3, 4):
        chosen = rules.toggle_item(chosen, item_id, CampaignKind.PUSH)
    assert chosen == (1, 2, 3)
    assert rules.toggle_item(chosen, 2, CampaignKind.PUSH) == (1, 3)
    for kind in (CampaignKind.HEADLINE, CampaignKind.PRESALE):
        assert rules.toggle_item(rules.toggle_item((), 7, kind), 8, kind) == (7,)
        assert rules.toggle_item((7,), 7, kind) == ()


def test_only_offered_tags_can_be_chosen() -> None:
    offered = rules.offered_tags("beauty", ("mine",))
    assert "mine" in offered and len(offered) <= rules.OFFERED_TAGS
    chosen = rules.toggle_tag((), offered[0], offered)
    assert chosen == (offered[0],)
    assert rules.toggle_tag(chosen, offered[0], offered) == ()
    with pytest.raises(DomainError) as refused:
        rules.toggle_tag(chosen, "forged", offered)
    assert refused.value.code == "campaign.stale"


def test_audiences_and_schedules_each_kind_offers() -> None:
    assert rules.audience_modes(CampaignKind.PUSH) == ("all", "tags")
    assert rules.audience_modes(CampaignKind.HEADLINE) == ("all", "tags", "none")
    assert rules.audience_modes(CampaignKind.ACCOUNT) == ("all", "tags", "none")
    assert rules.schedule_options(CampaignKind.AUTO) == ("daily", "weekly")
    assert rules.schedule_options(CampaignKind.PRESALE) == ()
    assert rules.schedule_options(CampaignKind.PASSERBY) == ("now", "at")


def test_when_a_campaign_ends() -> None:
    assert rules.campaign_end(CampaignKind.ACCOUNT, NOW, None) == NOW + timedelta(days=7)
    opens = NOW + timedelta(days=2)
    assert rules.campaign_end(CampaignKind.PRESALE, NOW, opens) == opens
    assert rules.campaign_end(CampaignKind.PUSH, NOW, None) is None
    for opening in (None, NOW, NOW - timedelta(minutes=1)):
        with pytest.raises(DomainError) as refused:
            rules.campaign_end(CampaignKind.PRESALE, NOW, opening)
        assert refused.value.code == "campaign.presale_time"


def test_an_unknown_kind_is_refused_with_a_code() -> None:
    assert rules.campaign_kind("auto") is CampaignKind.AUTO
    with pytest.raises(DomainError) as refused:
        rules.campaign_kind("spam")
    assert refused.value.code == "campaign.bad_kind"


def test_recurring_runs_reach_fans_again_one_offs_once() -> None:
    assert rules.dedup_prefix(5, None, NOW) == "c5:u"
    assert rules.dedup_prefix(5, "daily 20:00", NOW) == "c5:20260601:u"


def test_the_wire_spells_exactly_the_campaign_kinds() -> None:
    assert set(typing.get_args(KindName)) == {kind.value for kind in CampaignKind}
    assert [kind_name(kind) for kind in rules.KINDS] == [kind.value for kind in CampaignKind]


def test_registering_the_campaign_handlers_warns_of_nothing() -> None:
    """The wizard is a flow, not a ConversationHandler: PTB's per_message warning is gone."""
    from handlers import campaigns

    application = ApplicationBuilder().token("100001:vitrine-test-token-0000000000").build()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        campaigns.register(application)
    assert [w for w in caught if issubclass(w.category, PTBUserWarning)] == []
