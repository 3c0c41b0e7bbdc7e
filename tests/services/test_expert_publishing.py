"""/publish's use cases on a real SQLite file: the steps, the shop, publishing, the draft."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.experts import publishing
from bot.experts.publishing import Preview, ShopQuestion
from bot.services import Services
from tests.services.campaign_world import expert, start_services

LINK = "https://detail.tmall.com/item.htm?id=123456"


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await start_services(tmp_path)
    yield built
    await built.close()


async def draft(services: Services, user_id: int) -> dict[str, object] | None:
    stored: dict[str, object] | None = await services.repos.bot_state.get(
        f"draft:publish:{user_id}"
    )
    return stored


async def up_to_the_link(services: Services, user_id: int) -> None:
    """A fresh draft with photo, title, reason, price and stock, each step checked."""
    await publishing.start_publishing(services, user_id=user_id)
    await publishing.add_photo(
        services, user_id=user_id, file_id="AgACAgQAAxkBAAIB", photo_path=None
    )
    steps = [
        ("title", "Hydrating serum 50 ml", "reason"),
        ("reason", "Light texture, absorbs fast; calm skin all day.", "price"),
        ("price", "¥129.90", "stock"),
        ("stock", "20", "link"),
    ]
    for step, text, expected in steps:
        assert (
            await publishing.add_text(services, user_id=user_id, step=step, text=text) == expected
        )


async def shop(services: Services, telegram_id: int, partner: str, shop_id: str, name: str) -> int:
    user = await services.repos.users.upsert_from_telegram(telegram_id, name, None, "en")
    merchant = await services.repos.merchants.create(
        user_id=user.id,
        partner_key=partner,
        shop_id=shop_id,
        name=name,
        notice_chat_id=telegram_id,
        status="verified",
    )
    return merchant.id


async def test_a_link_outside_the_whitelist_is_refused_with_its_code(services: Services) -> None:
    user_id, _ = await expert(services, 5101, "lina")
    await up_to_the_link(services, user_id)
    with pytest.raises(DomainError) as refused:
        await publishing.add_link(
            services, user_id=user_id, text="https://tmall.com.evil.cn/item.htm?id=123456"
        )
    assert refused.value.code == "link.host_not_allowed"
    assert refused.value.params["host"] == "tmall.com.evil.cn"
    stored = await draft(services, user_id)
    assert stored is not None and "link" not in stored  # nothing of the refused link was kept


async def test_the_steps_then_publish_create_the_item_and_forget_the_draft(
    services: Services,
) -> None:
    user_id, profile = await expert(services, 5102, "mei")
    await up_to_the_link(services, user_id)
    question = await publishing.add_link(services, user_id=user_id, text=LINK)
    assert isinstance(question, ShopQuestion) and question.refused is None
    assert (question.offer.partner_key, question.offer.total) == ("tmall", 0)
    preview = await publishing.choose_shop(services, user_id=user_id, merchant_id=None)
    assert isinstance(preview, Preview)
    assert (preview.title, preview.price_fen, preview.stock) == ("Hydrating serum 50 ml", 12990, 20)
    item = await publishing.publish(services, user_id=user_id)
    assert not isinstance(item, ShopQuestion)
    assert (item.expert_id, item.canonical_url, item.merchant_id) == (profile.id, LINK, None)
    assert await draft(services, user_id) is None
    audit = await services.repos.audit.for_target("item", item.id)
    assert [entry.action for entry in audit] == ["item.publish"]


async def test_only_verified_experts_publish(services: Services) -> None:
    pending_id, _ = await expert(services, 5103, "bo", status="pending")
    with pytest.raises(DomainError) as refused:
        await publishing.start_publishing(services, user_id=pending_id)
    assert refused.value.code == "expert.not_allowed"
    assert refused.value.params == {"status": "pending", "reason": ""}


async def test_a_link_naming_a_verified_shop_settles_the_shop(services: Services) -> None:
    lodge = await shop(services, 6101, "tmall", "7770001", "Lodge Cookware")
    user_id, _ = await expert(services, 5104, "wok")
    await up_to_the_link(services, user_id)
    preview = await publishing.add_link(services, user_id=user_id, text=LINK + "&shop_id=7770001")
    assert isinstance(preview, Preview)
    assert preview.shop.merchant is not None and preview.shop.merchant.id == lodge
    assert preview.shop.from_link


async def test_a_shop_of_another_platform_is_refused_and_asked_again(services: Services) -> None:
    await shop(services, 6102, "tmall", "7770002", "Pans & Co")
    elsewhere = await shop(services, 6103, "taobao", "1234567", "Bo's Gadgets")
    user_id, _ = await expert(services, 5105, "pan")
    await up_to_the_link(services, user_id)
    await publishing.add_link(services, user_id=user_id, text=LINK)
    again = await publishing.choose_shop(services, user_id=user_id, merchant_id=elsewhere)
    assert isinstance(again, ShopQuestion) and again.refused is not None
    assert again.refused.code == "shop.unavailable"
    assert [o.merchant.name for o in again.offer.options if o.merchant] == ["Pans & Co"]
    stored = await draft(services, user_id)
    assert stored is not None and stored["shop"] is None


async def test_a_shop_suspended_before_publish_publishes_nothing(services: Services) -> None:
    pans = await shop(services, 6104, "tmall", "7770003", "Pans & Co")
    user_id, profile = await expert(services, 5106, "pot")
    await up_to_the_link(services, user_id)
    await publishing.add_link(services, user_id=user_id, text=LINK)
    assert isinstance(
        await publishing.choose_shop(services, user_id=user_id, merchant_id=pans), Preview
    )
    assert await services.repos.merchants.decide(pans, "suspended", only_from=("verified",))
    again = await publishing.publish(services, user_id=user_id)
    assert isinstance(again, ShopQuestion) and again.refused is not None
    assert again.refused.code == "shop.unavailable"
    assert (await services.repos.items.of_expert(profile.id))[1] == 0
    assert await draft(services, user_id) is not None  # the draft waits for another shop


async def test_typed_shops_must_name_exactly_one(services: Services) -> None:
    await shop(services, 6105, "tmall", "7770004", "Lodge Cookware")
    user_id, _ = await expert(services, 5107, "typ")
    await up_to_the_link(services, user_id)
    await publishing.add_link(services, user_id=user_id, text=LINK)
    with pytest.raises(DomainError) as refused:
        await publishing.choose_shop_by_text(services, user_id=user_id, text="Nobody's Pots")
    assert refused.value.code == "shop.no_match"
    preview = await publishing.choose_shop_by_text(services, user_id=user_id, text="lodge cookware")
    assert isinstance(preview, Preview) and preview.shop.merchant is not None


async def test_a_bad_answer_is_refused_and_the_draft_keeps_the_rest(services: Services) -> None:
    user_id, _ = await expert(services, 5108, "bad")
    await up_to_the_link(services, user_id)
    with pytest.raises(DomainError) as refused:
        await publishing.add_text(services, user_id=user_id, step="price", text="0")
    assert refused.value.code == "price.zero"
    stored = await draft(services, user_id)
    assert stored is not None and stored["price_fen"] == 12990
    await publishing.drop_draft(services, user_id=user_id)
    assert await draft(services, user_id) is None
