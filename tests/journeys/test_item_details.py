"""Details on a fan's item card: the card turns, in place, into what it does not show — the whole
reason, the shop and who delivers, the partner's terms — with one Buy button and the way back.
Every button works, and no press sends the same message twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.app import Runtime
from bot.domain.callbacks import FavouriteToggle, ItemDetail, ItemMore, WindowPage, encode
from storage.repositories.experts import Expert
from storage.repositories.items import Item
from tests.auxil.sim import Message, Sim, SimUser, buttons_of, plant_button, text_of

LANGUAGES = pytest.mark.parametrize(
    ("language", "code"), [("zh_Hans", "zh-hans"), ("en", "en")], ids=["zh_Hans", "en"]
)
# A reason longer than the card's 400 characters, whose end only the details can show.
REASON = "Seasons well, heats evenly, and lasts for years with a little oil. " * 7 + "END-OF-REASON"
WORDS = {
    "en": {
        "shop": "Shop: Lodge Cookware, verified by Vitrine.",
        "delivery": "Delivery and after-sales: the shop, through Tmall.",
        "payment": "Payment: on Tmall's own checkout; Vitrine never takes payment.",
        "attribution": "the shop tells Vitrine of your order and pays Chef Mei a commission",
        "buy": "Buy ¥199.00",
        "back_window": "« Back to the window",
        "back_card": "« Back to the card",
        "first": "Item 1 of 2 in Chef Mei's window",
        "second": "Item 2 of 2 in Chef Mei's window",
        "sold_out": "sold out",
    },
    "zh_Hans": {
        "shop": "店铺：Lodge Cookware，已通过 Vitrine 认证。",
        "delivery": "发货与售后：由店铺通过天猫负责。",
        "payment": "付款：在天猫自己的收银台完成；Vitrine 不收取任何款项。",
        "attribution": "店铺会把你的订单告知 Vitrine，并向 Chef Mei 支付佣金",
        "buy": "购买 ¥199.00",
        "back_window": "« 返回橱窗",
        "back_card": "« 返回商品卡片",
        "first": "第 1/2 件",
        "second": "第 2/2 件",
        "sold_out": "已售罄",
    },
}


async def window_of_two(runtime: Runtime, sim: Sim) -> tuple[Expert, Item, Item]:
    """Chef Mei's window: a wok with a long reason from a verified shop, and a sold-out pan.

    The shop's owner is a Telegram user like any merchant: the bot's credentials job may write
    to them at any moment (a send to a chat Telegram doesn't know would be refused).
    """
    repos = runtime.services.repos
    await sim.user(6201, "Bo", "en")
    await repos.partners.sync([("tmall", "Tmall", {})])
    owner = await repos.users.upsert_from_telegram(6201, "Bo", None, "en")
    shop = await repos.merchants.create(
        user_id=owner.id,
        partner_key="tmall",
        shop_id="7770001",
        name="Lodge Cookware",
        notice_chat_id=6201,
        status="verified",
    )
    user = await repos.users.upsert_from_telegram(3201, "Mei", None, "en")
    expert = await repos.experts.create(
        user_id=user.id,
        handle="wok_mei",
        display_name="Chef Mei",
        vertical="food",
        tags=[],
        bio="Home cooking for busy people.",
        status="verified",
    )
    items = []
    for n, (title, reason, stock) in enumerate(
        [("Cast iron wok", REASON, 8), ("Carbon steel pan", "Light, quick and honest.", 0)]
    ):
        items.append(
            await repos.items.create(
                expert_id=expert.id,
                merchant_id=shop.id,
                partner_key="tmall",
                partner_item_id=str(778899 + n),
                canonical_url=f"https://detail.tmall.com/item.htm?id={778899 + n}",
                title=title,
                reason=reason,
                price_fen=19900,
                stock=stock,
            )
        )
    return expert, items[0], items[1]


def callbacks(message: Message) -> list[str]:
    return [b["callback_data"] for b in buttons_of(message) if "callback_data" in b]


async def press_and_see(user: SimUser, message: Message, data: str, expected: str) -> Message:
    """Press a button of `message` and return it once an edit shows `expected`."""
    await user.press(message, data)
    return await user.wait_for_change(message["message_id"], lambda m: expected in text_of(m))


def photo_sends(sandbox: Any) -> int:
    return sum(1 for c in list(sandbox.sandbox.calls) if c["method"].lower() == "sendphoto")


@LANGUAGES
async def test_details_show_what_the_card_does_not_and_lead_back(
    vitrine: Runtime, sim: Sim, sandbox: Any, language: str, code: str
) -> None:
    words = WORDS[language]
    expert, wok, pan = await window_of_two(vitrine, sim)
    fan = await sim.user(5201, "Ann", code)
    card = await fan.ask("/window wok_mei", lambda m: m.get("photo") is not None)
    assert "END-OF-REASON" not in text_of(card)  # the card cuts the reason at 400 characters
    details_button = encode(ItemMore(wok.id, "window", 0))
    assert details_button in callbacks(card)
    messages, photos = len(await fan.bot_messages()), photo_sends(sandbox)

    # Details: the same message now shows the whole reason, the shop and the partner's terms.
    details = await press_and_see(fan, card, details_button, "END-OF-REASON")
    for key in ("shop", "delivery", "payment", "attribution"):
        assert words[key] in text_of(details), key
    assert details.get("photo") == card.get("photo")  # the photo stays
    keys = buttons_of(details)
    assert [k["text"] for k in keys] == [words["buy"], words["back_window"]]
    assert "/go/" in keys[0]["url"] and keys[1]["callback_data"] == encode(WindowPage(expert.id, 0))

    # Details pressed again (a client still showing the old keyboard): nothing new is sent.
    plant_button(sandbox, fan.id, card["message_id"], details_button)
    await fan.press_answered(details, details_button)
    assert "END-OF-REASON" in text_of(await fan.message(card["message_id"]))
    assert (len(await fan.bot_messages()), photo_sends(sandbox)) == (messages, photos)

    # Buy works: the intermediate page opens.
    async with httpx.AsyncClient(timeout=20) as browser:
        assert (await browser.get(keys[0]["url"])).status_code == 200

    # Back: the card again, page and all; Details a second time turns it again, in place.
    back = await press_and_see(fan, details, encode(WindowPage(expert.id, 0)), words["first"])
    assert "END-OF-REASON" not in text_of(back) and details_button in callbacks(back)
    again = await press_and_see(fan, back, details_button, "END-OF-REASON")

    # The next page's item is sold out: its details have no Buy, and Back returns to page 2.
    await press_and_see(fan, again, encode(WindowPage(expert.id, 0)), words["first"])
    second = await press_and_see(fan, again, encode(WindowPage(expert.id, 1)), words["second"])
    pan_details = await press_and_see(
        fan, second, encode(ItemMore(pan.id, "window", 1)), words["payment"]
    )
    assert "Light, quick and honest." in text_of(pan_details)
    assert words["sold_out"] in text_of(pan_details)
    assert [k["text"] for k in buttons_of(pan_details)] == [words["back_window"]]
    await press_and_see(fan, pan_details, encode(WindowPage(expert.id, 1)), words["second"])

    # All of it happened in the one card: no message twice, and Telegram refused nothing.
    assert len(await fan.bot_messages()) == messages
    refused = [
        c for c in await sim.calls() if not c["ok"] and "not modified" not in c["description"]
    ]
    assert refused == []


async def test_details_of_a_card_opened_from_favourites_lead_back_to_that_card(
    vitrine: Runtime, sim: Sim
) -> None:
    words = WORDS["en"]
    expert, wok, _pan = await window_of_two(vitrine, sim)
    fan = await sim.user(5202, "Ann", "en")
    window = await fan.ask("/window wok_mei", lambda m: m.get("photo") is not None)
    await fan.press_answered(window, encode(FavouriteToggle(wok.id)))

    favourites = await fan.ask("/favorites", lambda m: bool(callbacks(m)))
    open_card = encode(ItemDetail(wok.id, "favs"))
    before = await fan.last_message_id()
    await fan.press(favourites, open_card)
    card = await fan.wait_for(lambda m: m.get("photo") is not None, after=before)
    details_button = encode(ItemMore(wok.id, "favs", None))
    assert details_button in callbacks(card) and encode(WindowPage(expert.id, 0)) in callbacks(card)
    count = len(await fan.bot_messages())

    details = await press_and_see(fan, card, details_button, "END-OF-REASON")
    assert [k["text"] for k in buttons_of(details)] == [words["buy"], words["back_card"]]
    back = await press_and_see(fan, details, open_card, "Sold on Tmall by Lodge Cookware")
    assert text_of(back) == text_of(card) and callbacks(back) == callbacks(card)
    assert len(await fan.bot_messages()) == count  # the card turned back; nothing new was sent
