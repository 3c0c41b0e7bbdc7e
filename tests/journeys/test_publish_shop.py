"""The shop behind every item: the publisher asks which shop sells it, links the item to that
merchant, and the shop's order notices and the expert's earnings follow from that link. Fans are
told honestly who delivers, whether the shop is registered, verified or suspended."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from bot.admin.moderation import set_suspended
from bot.app import BotEndpoint, Runtime, running
from bot.config import Settings
from bot.domain.callbacks import encode
from bot.experts.callbacks import PublishChangeShop, PublishDecision, PublishShop, WindowAction
from bot.orders.callbacks import MerchantReview
from storage.repositories.experts import Expert
from storage.repositories.merchants import Merchant
from tests.auxil.sim import Message, Sim, SimUser, buttons_of, plant_button, text_of
from tests.conftest import ADMIN_TELEGRAM_ID, BOT_TOKEN
from tests.journeys.test_expert_supply_side import png, press_and_wait
from tests.journeys.test_merchant_onboarding import callbacks_on, paid, signed_post

LANGUAGES = pytest.mark.parametrize(
    ("language", "code"), [("zh_Hans", "zh-hans"), ("en", "en")], ids=["zh_Hans", "en"]
)
TITLE = "Cast iron wok 32 cm"
LINK = "https://detail.tmall.com/item.htm?id=778899"
# The words each language must show, so a step left untranslated or wrong fails here.
WORDS = {
    "en": {
        "which": "Which shop sells it?",
        "listed": "Lodge Cookware · shop 7770001 · default rate 6.5%",
        "preview": "Preview",
        "preview_shop": "Sold by Lodge Cookware on Tmall, a shop verified by Vitrine.",
        "preview_rate": "Your commission: 6.5%, the shop's default rate.",
        "card_shop": "Sold on Tmall by Lodge Cookware; delivery and after-sales by Lodge Cookware.",
        "none_listed": "No shop on Taobao is registered with Vitrine yet.",
        "none_preview": "Sold by a shop on Taobao that is not registered with Vitrine: its orders "
        "are not reported and earn you no commission.",
        "none_card": "Sold by a shop on Taobao that is not registered with Vitrine: delivery and "
        "after-sales are the shop's, through Taobao.",
        "suspended_card": "Sold on Tmall by Lodge Cookware, whose registration with Vitrine is "
        "suspended: delivery and after-sales are the shop's, through Tmall.",
        "suspended_mine": "whose registration with Vitrine is suspended: its orders are not "
        "reported and earn you no commission.",
        "published": "Published",
    },
    "zh_Hans": {
        "which": "哪家店铺销售这件商品？",
        "listed": "Lodge Cookware · 店铺号 7770001 · 默认分成 6.5%",
        "preview": "预览",
        "preview_shop": "由 Lodge Cookware 在天猫销售，这是一家 Vitrine 认证店铺。",
        "preview_rate": "你的佣金：6.5%，为店铺的默认比例。",
        "card_shop": "由 Lodge Cookware 在天猫销售；发货和售后由 Lodge Cookware 负责。",
        "none_listed": "淘宝上还没有在 Vitrine 登记的店铺。",
        "none_preview": "由淘宝上一家未在 Vitrine 登记的店铺销售：它的订单不会上报，也不会给你带来佣金。",
        "none_card": "由淘宝上一家未在 Vitrine 登记的店铺销售；发货和售后由该店铺通过淘宝负责。",
        "suspended_card": "由 Lodge Cookware 在天猫销售，该店铺在 Vitrine 的认证已被暂停；"
        "发货和售后由店铺通过天猫负责。",
        "suspended_mine": "该店铺在 Vitrine 的认证已被暂停：它的订单不会上报，也不会给你带来佣金。",
        "published": "已发布",
    },
}


async def register_lodge(owner: SimUser, admin: SimUser) -> tuple[str, str]:
    """The owner registers Lodge Cookware on Tmall; the admin approves; (callback URL, secret)."""
    await owner.ask("/become_merchant", lambda m: "Which platform" in text_of(m))
    await owner.ask("tmall", lambda m: "shop id" in text_of(m))
    await owner.ask("7770001", lambda m: "shop's name" in text_of(m))
    await owner.ask("Lodge Cookware", lambda m: "order notices" in text_of(m))
    await owner.ask("here", lambda m: "waiting for an admin" in text_of(m))
    request = await admin.wait_for(
        lambda m: "Lodge Cookware" in text_of(m) and bool(callbacks_on(m, MerchantReview))
    )
    [approve] = [v for v in callbacks_on(request, MerchantReview) if v.approve]
    await admin.press(request, encode(approve))
    credentials = await owner.wait_for(lambda m: "whsec_" in text_of(m))
    url = re.search(r"https?://\S+/hooks/orders/[A-Za-z0-9_-]+", text_of(credentials))
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", text_of(credentials))
    assert url and secret
    return url.group(0), secret.group(0)


async def verified_expert(runtime: Runtime, telegram_id: int, handle: str, language: str) -> Expert:
    repos = runtime.services.repos
    user = await repos.users.upsert_from_telegram(telegram_id, "Mei", None, language)
    return await repos.experts.create(
        user_id=user.id,
        handle=handle,
        display_name="Chef Mei",
        vertical="food",
        tags=[],
        bio="Home cooking for busy people.",
        status="verified",
    )


async def shop_of(runtime: Runtime, partner: str, shop_id: str, name: str, owner: int) -> Merchant:
    """A shop an admin verified earlier (registration is covered by test_merchant_onboarding)."""
    repos = runtime.services.repos
    await repos.partners.sync([(partner, partner.title(), {})])
    user = await repos.users.upsert_from_telegram(owner, name, None, "en")
    return await repos.merchants.create(
        user_id=user.id,
        partner_key=partner,
        shop_id=shop_id,
        name=name,
        notice_chat_id=owner,
        status="verified",
    )


async def suspend(runtime: Runtime, merchant: Merchant, reason: str | None = None) -> None:
    """An admin suspends the shop (the admin's screens are covered by test_admin_moderation)."""
    admin = await runtime.services.repos.users.upsert_from_telegram(
        ADMIN_TELEGRAM_ID, "Admin", None, "en"
    )
    suspended = await set_suspended(
        runtime.services, admin.id, "merchant", merchant.id, suspended=True, reason=reason
    )
    assert suspended


async def draft_up_to_the_link(expert: SimUser, link: str) -> Message:
    """/publish, photo, title, reason, price, stock, link: the bot's answer to the link."""
    await expert.ask("/publish")
    await expert.ask_photo(png())
    for answer in (TITLE, "Heats evenly and seasons well after a few uses.", "199", "8"):
        await expert.ask(answer)
    return await expert.ask(link)


def shop_buttons(message: Message) -> list[str]:
    return [
        b["callback_data"]
        for b in buttons_of(message)
        if b.get("callback_data", "").startswith("1:xshop:")
    ]


async def continue_click_id(buy_url: str) -> str:
    """Open the Buy link as the fan's browser does and read the click id the page carries on."""
    async with httpx.AsyncClient(timeout=20) as browser:
        page = await browser.get(buy_url)
    assert page.status_code == 200
    found = re.search(r'id="continue" href="[^"]*\?c=([A-Za-z0-9_-]+)"', page.text)
    assert found, page.text
    return found.group(1)


@LANGUAGES
async def test_the_chosen_shop_hears_of_the_order_and_pays_its_default_rate(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    words = WORDS[language]
    repos = vitrine.services.repos
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Admin", "en")
    await admin.ask("/help")
    owner = await sim.user(6001, "Bo", "en")
    url, secret = await register_lodge(owner, admin)
    await owner.ask("/agreements default 6.5%", lambda m: "6.5%" in text_of(m))
    lodge = await repos.merchants.by_shop("tmall", "7770001")
    assert lodge is not None
    # A verified shop on another platform is no answer for a Tmall link.
    taobao_shop = await shop_of(vitrine, "taobao", "1234567", "Bo's Gadgets", 6002)
    expert = await verified_expert(vitrine, 3101, "wok_mei", language)
    mei = await sim.user(3101, "Mei", code)

    # The link carries no shop id: the publisher asks which shop sells it.
    shops = await draft_up_to_the_link(mei, LINK)
    assert words["which"] in text_of(shops) and words["listed"] in text_of(shops)
    assert shop_buttons(shops) == [encode(PublishShop(lodge.id)), encode(PublishShop(None))]
    assert encode(PublishShop(taobao_shop.id)) not in shop_buttons(shops)

    preview = await press_and_wait(mei, shops, encode(PublishShop(lodge.id)), words["preview"])
    assert words["preview_shop"] in text_of(preview)
    assert words["preview_rate"] in text_of(preview)
    assert shop_buttons(await mei.message(shops["message_id"])) == []  # the list is closed
    await press_and_wait(mei, preview, encode(PublishDecision(True)), words["published"])
    [item], _ = await repos.items.window(expert.id, offset=0, limit=5)
    assert item.merchant_id == lodge.id

    # The expert's /mywindow card says who sells it.
    listing = await mei.ask("/mywindow", lambda m: bool(buttons_of(m)))
    card = await press_and_wait(mei, listing, encode(WindowAction(item.id, "menu")), TITLE)
    assert words["preview_shop"] in text_of(card)

    # The fan's card says who delivers; Buy goes through the intermediate page.
    fan = await sim.user(5101, "Ann", code)
    window = await fan.ask("/window wok_mei", lambda m: m.get("photo") is not None)
    assert words["card_shop"] in text_of(window)
    buy = next(b["url"] for b in buttons_of(window) if "/go/" in b.get("url", ""))
    click_id = await continue_click_id(buy)

    # The partner reports the order to the chosen shop: the shop is told, the expert earns.
    order = {**paid("T-1", item="778899"), "click_id": click_id, "amount_fen": 19900}
    assert (await signed_post(url, secret, order)).status_code == 200
    notice = await owner.wait_for(lambda m: "New order T-1" in text_of(m))
    commission = 19900 * 650 // 10_000
    assert TITLE in text_of(notice) and "@wok_mei" in text_of(notice)
    assert f"¥{commission / 100:.2f}" in text_of(notice)
    earned = await mei.wait_for(lambda m: f"¥{commission / 100:.2f}" in text_of(m))
    assert TITLE in text_of(earned) and "Lodge Cookware" in text_of(earned)
    [row] = await repos.orders.recent(lodge.id)
    assert row.item_title == TITLE


@LANGUAGES
async def test_a_shop_not_registered_is_said_so_honestly(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    words = WORDS[language]
    repos = vitrine.services.repos
    expert = await verified_expert(vitrine, 3102, "wok_bo", language)
    mei = await sim.user(3102, "Bo", code)

    shops = await draft_up_to_the_link(mei, "https://item.taobao.com/item.htm?id=445566")
    assert words["none_listed"] in text_of(shops)
    assert shop_buttons(shops) == [encode(PublishShop(None))]
    preview = await press_and_wait(mei, shops, encode(PublishShop(None)), words["preview"])
    assert words["none_preview"] in text_of(preview)
    await press_and_wait(mei, preview, encode(PublishDecision(True)), words["published"])
    [item], _ = await repos.items.window(expert.id, offset=0, limit=5)
    assert item.merchant_id is None

    fan = await sim.user(5102, "Ann", code)
    window = await fan.ask("/window wok_bo", lambda m: m.get("photo") is not None)
    assert words["none_card"] in text_of(window)
    assert "Taobao;" not in text_of(window) and "by Taobao" not in text_of(window)


async def test_the_shop_step_survives_a_restart(settings: Settings, sandbox: Any, sim: Sim) -> None:
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
    mei = await sim.user(3103, "Mei", "en")
    async with running(settings, endpoint) as first:
        lodge = await shop_of(first, "tmall", "7770001", "Lodge Cookware", 6003)
        expert = await verified_expert(first, 3103, "wok_mei3", "en")
        shops = await draft_up_to_the_link(mei, LINK)
        assert "Which shop sells it?" in text_of(shops)
    # The bot is down with the shop list open; it comes back on the same database.

    async with running(settings, endpoint) as second:
        # Typing the shop's name (in another case) answers the step as the button would.
        preview = await mei.ask("lodge cookware", lambda m: "Preview" in text_of(m))
        assert "Sold by Lodge Cookware on Tmall" in text_of(preview)
        # The list shown before the restart is answered: its buttons no longer choose.
        after = await mei.last_message_id()
        await mei.press(shops, encode(PublishShop(None)))
        closed = await mei.wait_for(lambda m: "no longer open" in text_of(m), after=after)
        assert "Change shop" in text_of(closed)
        draft = await second.services.repos.bot_state.get(f"draft:publish:{expert.user_id}")
        assert isinstance(draft, dict) and draft["shop"]["merchant_id"] == lodge.id
        # Change shop: this preview closes, a new list comes, and its button still counts.
        again = await press_and_wait(mei, preview, encode(PublishChangeShop()), "Which shop")
        assert buttons_of(await mei.message(preview["message_id"])) == []
        preview = await press_and_wait(mei, again, encode(PublishShop(lodge.id)), "Preview")
        await press_and_wait(mei, preview, encode(PublishDecision(True)), "Published")
        [item], _ = await second.services.repos.items.window(expert.id, offset=0, limit=5)
        assert item.merchant_id == lodge.id and item.title == TITLE


async def test_a_link_naming_a_verified_shop_needs_no_question(vitrine: Runtime, sim: Sim) -> None:
    lodge = await shop_of(vitrine, "tmall", "7770001", "Lodge Cookware", 6004)
    expert = await verified_expert(vitrine, 3104, "wok_mei4", "en")
    mei = await sim.user(3104, "Mei", "en")

    preview = await draft_up_to_the_link(mei, LINK + "&shop_id=7770001")
    assert preview.get("photo") and "Preview" in text_of(preview)
    assert "Sold by Lodge Cookware on Tmall, a shop verified by Vitrine." in text_of(preview)
    assert "(The product link names this shop.)" in text_of(preview)
    assert "No commission rate is agreed with this shop yet" in text_of(preview)
    await press_and_wait(mei, preview, encode(PublishDecision(True)), "Published")
    [item], _ = await vitrine.services.repos.items.window(expert.id, offset=0, limit=5)
    assert item.merchant_id == lodge.id


async def test_forged_and_outdated_shop_buttons_change_nothing(
    vitrine: Runtime, sim: Sim, sandbox: Any
) -> None:
    services = vitrine.services
    lodge = await shop_of(vitrine, "tmall", "7770001", "Lodge Cookware", 6005)
    pans = await shop_of(vitrine, "tmall", "7770002", "Pans & Co", 6006)
    elsewhere = await shop_of(vitrine, "taobao", "1234567", "Bo's Gadgets", 6007)
    expert = await verified_expert(vitrine, 3105, "wok_mei5", "en")
    mei = await sim.user(3105, "Mei", "en")
    shops = await draft_up_to_the_link(mei, LINK)
    assert "7770001" in text_of(shops) and "7770002" in text_of(shops)

    # A forged button naming a verified shop of another platform is refused with an alert, and
    # the list comes again.
    forged = encode(PublishShop(elsewhere.id))
    plant_button(sandbox, mei.id, shops["message_id"], forged)
    after = await mei.last_message_id()
    answered = await mei.press_answered(shops, forged)
    assert "no longer verified" in (answered.get("text") or "") and answered.get("show_alert")
    draft = await services.repos.bot_state.get(f"draft:publish:{expert.user_id}")
    assert isinstance(draft, dict) and draft.get("shop") is None
    listed = await mei.wait_for(lambda m: "Which shop sells it?" in text_of(m), after=after)
    assert forged not in shop_buttons(listed)
    assert shop_buttons(await mei.message(shops["message_id"])) == []  # the pressed list closed

    # The admins suspend a shop while its button is on screen: pressing it asks again.
    await suspend(vitrine, lodge)
    after = await mei.last_message_id()
    answered = await mei.press_answered(listed, encode(PublishShop(lodge.id)))
    assert "no longer verified" in (answered.get("text") or "")
    fresh = await mei.wait_for(lambda m: "Which shop sells it?" in text_of(m), after=after)
    assert shop_buttons(fresh) == [encode(PublishShop(pans.id)), encode(PublishShop(None))]
    # A name nobody has: said so, and the list still answers.
    refused = await mei.ask("Nobody's Pots")
    assert "No verified shop has the id or name “Nobody's Pots”" in text_of(refused)
    preview = await press_and_wait(mei, fresh, encode(PublishShop(pans.id)), "Preview")
    assert "Sold by Pans & Co on Tmall" in text_of(preview)

    # Suspended between the preview and Publish: nothing is published, the shop is asked again.
    await suspend(vitrine, pans)
    await press_and_wait(mei, preview, encode(PublishDecision(True)), "no longer verified")
    await mei.wait_for(lambda m: "Which shop sells it?" in text_of(m), after=preview["message_id"])
    assert (await services.repos.items.window(expert.id, offset=0, limit=5))[1] == 0


@LANGUAGES
async def test_a_merchant_suspended_after_publishing(
    vitrine: Runtime, sim: Sim, language: str, code: str
) -> None:
    words = WORDS[language]
    services = vitrine.services
    repos = services.repos
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Admin", "en")
    await admin.ask("/help")
    owner = await sim.user(6008, "Bo", "en")
    url, secret = await register_lodge(owner, admin)
    lodge = await repos.merchants.by_shop("tmall", "7770001")
    assert lodge is not None
    expert = await verified_expert(vitrine, 3106, "wok_mei6", language)
    mei = await sim.user(3106, "Mei", code)
    shops = await draft_up_to_the_link(mei, LINK)
    preview = await press_and_wait(mei, shops, encode(PublishShop(lodge.id)), words["preview"])
    await press_and_wait(mei, preview, encode(PublishDecision(True)), words["published"])
    [item], _ = await repos.items.window(expert.id, offset=0, limit=5)

    await suspend(vitrine, lodge, "Fake stock.")
    # The item stays linked and listed; the card names the shop and says it is suspended.
    fan = await sim.user(5106, "Ann", code)
    window = await fan.ask("/window wok_mei6", lambda m: m.get("photo") is not None)
    assert words["suspended_card"] in text_of(window)
    assert any("/go/" in b.get("url", "") for b in buttons_of(window))
    listing = await mei.ask("/mywindow", lambda m: bool(buttons_of(m)))
    card = await press_and_wait(mei, listing, encode(WindowAction(item.id, "menu")), TITLE)
    assert words["suspended_mine"] in text_of(card)
    # As the card says: a suspended shop's new orders are refused, so they earn nothing.
    assert (await signed_post(url, secret, paid("S-1", item="778899"))).status_code == 403
