"""Who sells an item, in words: the fan's card, the expert's preview, /mywindow card and shop
list, in both languages."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bot.orders.merchants import MAX_NAME_CHARS
from bot.texts import Texts

LANGUAGES = ("zh_Hans", "en")
CARD = dict(
    title="Cast iron wok",
    price_fen=19900,
    stock=8,
    sold_out=False,
    available=True,
    reason="Heats evenly.",
    partner_key="tmall",
    expert_name="Chef Mei",
    tag_labels=[],
    position=1,
    count=2,
    presale_opens=None,
)
DETAILS = dict(
    title="Cast iron wok",
    sold_out=False,
    available=True,
    expert_name="Chef Mei",
    partner_key="tmall",
)
# What each state of the shop says on the fan's card, by language.
CARD_LINE = {
    (
        "en",
        "verified",
    ): "Sold on Tmall by Lodge &amp; Co; delivery and after-sales by Lodge &amp; Co.",
    ("en", "suspended"): (
        "Sold on Tmall by Lodge &amp; Co, whose registration with Vitrine is suspended: "
        "delivery and after-sales are the shop's, through Tmall."
    ),
    ("en", None): (
        "Sold by a shop on Tmall that is not registered with Vitrine: delivery and after-sales "
        "are the shop's, through Tmall."
    ),
    ("zh_Hans", "verified"): "由 Lodge &amp; Co 在天猫销售；发货和售后由 Lodge &amp; Co 负责。",
    ("zh_Hans", "suspended"): "该店铺在 Vitrine 的认证已被暂停",
    ("zh_Hans", None): "由天猫上一家未在 Vitrine 登记的店铺销售；发货和售后由该店铺通过天猫负责。",
}
STATES = [("verified", "Lodge & Co"), ("suspended", "Lodge & Co"), (None, None)]


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("status", "name"), STATES)
def test_the_card_says_who_sells_in_each_state(
    texts: Texts, language: str, status: str | None, name: str | None
) -> None:
    card = texts.render(
        "fan/item_card",
        language,
        caption=True,
        **CARD,
        merchant_name=name,
        merchant_status=status,
    )
    assert CARD_LINE[(language, status)] in card
    # Tmall is the platform, never the seller.
    assert "by Tmall" not in card and "由 天猫" not in card


def _expert_card(texts: Texts, language: str, shop: Mapping[str, object], preview: bool) -> str:
    return texts.render(
        "expert/item_caption",
        language,
        caption=True,
        preview=preview,
        title="Wok",
        reason="Heats evenly.",
        price_fen=19900,
        stock=3,
        shop=shop,
        status="listed",
        pinned_until=None,
    )


@pytest.mark.parametrize(
    ("language", "rate", "own", "expected"),
    [
        ("en", "6.5%", False, "Your commission: 6.5%, the shop's default rate."),
        ("en", "12%", True, "Your commission: 12%, agreed with you."),
        ("en", None, False, "No commission rate is agreed with this shop yet"),
        ("zh_Hans", "6.5%", False, "你的佣金：6.5%，为店铺的默认比例。"),
        ("zh_Hans", "12%", True, "你的佣金：12%，为与你单独约定的比例。"),
        ("zh_Hans", None, False, "你与这家店铺还没有约定分成比例"),
    ],
)
def test_the_preview_shows_the_shop_and_the_rate_it_pays(
    texts: Texts, language: str, rate: str | None, own: bool, expected: str
) -> None:
    shop = {
        "platform": "Tmall",
        "name": "Lodge",
        "status": "verified",
        "rate": rate,
        "own_rate": own,
        "from_link": False,
    }
    preview = _expert_card(texts, language, shop, preview=True)
    assert expected in preview
    # /mywindow shows the shop line, not a rate it did not look up.
    window = _expert_card(texts, language, {**shop, "rate": None}, preview=False)
    assert "Lodge" in window and expected not in window


@pytest.mark.parametrize(
    ("language", "status", "name", "expected"),
    [
        ("en", "suspended", "Lodge", "whose registration with Vitrine is suspended"),
        ("en", None, None, "Sold by a shop on Tmall that is not registered with Vitrine"),
        ("zh_Hans", "suspended", "Lodge", "该店铺在 Vitrine 的认证已被暂停"),
        ("zh_Hans", None, None, "由Tmall上一家未在 Vitrine 登记的店铺销售"),
    ],
)
def test_the_expert_card_warns_when_orders_earn_nothing(
    texts: Texts, language: str, status: str | None, name: str | None, expected: str
) -> None:
    shop = {"platform": "Tmall", "name": name, "status": status, "rate": None}
    assert expected in _expert_card(texts, language, shop, preview=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shop_list_fits_a_message_with_every_button_shown(texts: Texts, language: str) -> None:
    options = [
        {"name": "W" * MAX_NAME_CHARS, "shop_id": "9" * 64, "rate": "12.5%", "own_rate": n % 2 == 0}
        for n in range(8)
    ]
    text = texts.render(
        "expert/publish_shop", language, platform="Tmall", options=options, total=30
    )
    assert text.count("W" * MAX_NAME_CHARS) == 8
    assert {"en": "…and 22 more", "zh_Hans": "另有 22 家"}[language] in text
    empty = texts.render("expert/publish_shop", language, platform="Tmall", options=[], total=0)
    assert {"en": "No shop on Tmall", "zh_Hans": "Tmall上还没有"}[language] in empty
