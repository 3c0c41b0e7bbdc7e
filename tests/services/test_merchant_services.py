"""The merchant use cases on a real SQLite file: register a shop, propose and answer terms, a
shop's orders, an expert's earnings (bot/merchants)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo.catalogue import DEMO_EXPERT_ID, DEMO_MERCHANT_ID, DEMO_SHOPS
from bot.demo.seed import seed_into
from bot.domain.errors import DomainError
from bot.domain.orders import OrderEvent
from bot.domain.states import AgreementStatus
from bot.merchants import money, terms
from bot.merchants.shops import register_shop
from bot.orders.intake import order_rules
from bot.orders.service import apply_order_event
from bot.services import Services
from tests.conftest import ADMIN_TELEGRAM_ID
from tests.services.campaign_world import start_services


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    await seed_into(built.repos, tmp_path / "photos")
    yield built
    await built.close()


async def user_id(services: Services, telegram_id: int, language: str = "en") -> int:
    user = await services.repos.users.upsert_from_telegram(telegram_id, "Someone", None, language)
    return user.id


async def test_a_new_shop_is_pending_and_the_admins_are_asked(services: Services) -> None:
    owner = await user_id(services, 5001)
    await user_id(services, ADMIN_TELEGRAM_ID, "zh-hans")
    registered = await register_shop(
        services,
        owner,
        partner_key="taobao",
        shop_id="shop-1",
        name="Tea House",
        notice_chat_id=-100123,
    )
    assert (registered.merchant.status, registered.merchant.name) == ("pending", "Tea House")
    assert [(r.telegram_id, r.language) for r in registered.reviewers] == [
        (ADMIN_TELEGRAM_ID, "zh_Hans")
    ]
    someone_else = await user_id(services, 5002)
    with pytest.raises(DomainError) as taken:
        await register_shop(
            services,
            someone_else,
            partner_key="taobao",
            shop_id="shop-1",
            name="Copy",
            notice_chat_id=-100124,
        )
    assert (taken.value.code, taken.value.params) == (
        "merchant.shop_taken",
        {"status": "pending", "own": False},
    )
    with pytest.raises(DomainError) as unknown:
        await register_shop(
            services, owner, partner_key="nowhere", shop_id="x", name="X", notice_chat_id=1
        )
    assert unknown.value.code == "merchant.unknown_platform"


async def test_an_own_rejected_shop_is_reopened_with_its_new_name(services: Services) -> None:
    owner = await user_id(services, 5001)
    first = await register_shop(
        services, owner, partner_key="taobao", shop_id="s", name="Old", notice_chat_id=-1
    )
    await services.repos.merchants.decide(first.merchant.id, status="rejected")
    again = await register_shop(
        services, owner, partner_key="taobao", shop_id="s", name="New", notice_chat_id=-2
    )
    assert again.merchant.id == first.merchant.id
    assert (again.merchant.status, again.merchant.name, again.merchant.notice_chat_id) == (
        "pending",
        "New",
        -2,
    )


async def test_terms_proposed_to_an_expert_wait_for_that_expert_only(services: Services) -> None:
    owner = await user_id(services, DEMO_MERCHANT_ID)
    proposed = await terms.propose_terms(
        services, user_id=owner, shop_arg=None, target="@lina_beauty", rate_text="12%"
    )
    assert (proposed.row.status, proposed.row.rate_bp) == (AgreementStatus.PROPOSED, 1200)
    assert proposed.offer_to is not None and proposed.offer_to.telegram_id == DEMO_EXPERT_ID
    # Somebody else presses the expert's button: nothing changes.
    with pytest.raises(DomainError) as closed:
        await terms.answer_terms(services, user_id=owner, agreement_id=proposed.row.id, accept=True)
    assert closed.value.code == "agreement.closed"
    expert_user = await user_id(services, DEMO_EXPERT_ID)
    view = await terms.terms_view(services, user_id=expert_user)
    assert [r.id for r in view.open_proposals] == [proposed.row.id]
    answered = await terms.answer_terms(
        services, user_id=expert_user, agreement_id=proposed.row.id, accept=True
    )
    assert answered.row.status == AgreementStatus.ACCEPTED
    assert answered.owner is not None and answered.owner.telegram_id == DEMO_MERCHANT_ID
    with pytest.raises(DomainError):  # only once
        await terms.answer_terms(
            services, user_id=expert_user, agreement_id=proposed.row.id, accept=False
        )
    assert (await terms.terms_view(services, user_id=expert_user)).open_proposals == ()


async def test_proposals_explain_what_is_wrong(services: Services) -> None:
    stranger = await user_id(services, 5009)
    with pytest.raises(DomainError) as no_shop:
        await terms.propose_terms(
            services, user_id=stranger, shop_arg=None, target="default", rate_text="5%"
        )
    assert no_shop.value.code == "merchant.not_merchant"
    owner = await user_id(services, DEMO_MERCHANT_ID)
    with pytest.raises(DomainError) as unknown:
        await terms.propose_terms(
            services, user_id=owner, shop_arg=None, target="@nobody", rate_text="5%"
        )
    assert (unknown.value.code, unknown.value.params) == (
        "merchant.unknown_expert",
        {"handle": "nobody"},
    )
    with pytest.raises(DomainError) as wrong_shop:
        await terms.propose_terms(
            services, user_id=owner, shop_arg="not-mine", target="default", rate_text="5%"
        )
    assert wrong_shop.value.code == "merchant.not_merchant"
    default = await terms.propose_terms(
        services, user_id=owner, shop_arg=None, target="默认", rate_text="5%"
    )
    assert (default.row.status, default.offer_to) == (AgreementStatus.ACCEPTED, None)
    assert (await terms.terms_view(services, user_id=stranger)).empty


async def test_a_shop_sees_its_orders_and_the_expert_the_earnings(services: Services) -> None:
    owner = await user_id(services, DEMO_MERCHANT_ID)
    assert await money.shop_orders(services, user_id=await user_id(services, 5009)) == ()
    partner, shop_id, _name, _owner = DEMO_SHOPS["lumiere"]
    merchant = await services.repos.merchants.by_shop(partner, shop_id)
    assert merchant is not None
    await apply_order_event(
        services,
        merchant_id=merchant.id,
        partner_key=partner,
        message_id="m-1",
        event=OrderEvent("T-9", "paid", "600000000001", None, 1, 16900, "CNY", datetime.now(UTC)),
        rules=order_rules(services.settings),
        now=datetime.now(UTC),
    )
    [listed] = await money.shop_orders(services, user_id=owner)
    assert listed.shop.id == merchant.id
    assert [(r.partner_order_id, r.status) for r in listed.rows] == [("T-9", "paid")]
    not_expert = await money.expert_earnings(
        services, user_id=owner, period="7", now=datetime.now(UTC)
    )
    assert not not_expert.is_expert
    expert = await money.expert_earnings(
        services,
        user_id=await user_id(services, DEMO_EXPERT_ID),
        period="all",
        now=datetime.now(UTC),
    )
    assert (expert.is_expert, expert.period_days) == (True, None)
    assert money.period_days("90") == 90 and money.period_days("bogus") == 30
