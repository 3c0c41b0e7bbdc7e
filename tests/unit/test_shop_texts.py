"""Who sells an item, in words: the fan's card and details, the expert's preview, /mywindow card
and shop list, in both languages; the details fit a caption at the longest the rules allow."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bot.domain.publishing import REASON_MAX_CHARS, TITLE_MAX_CHARS
from bot.experts.rules import NAME_MAX_CHARS
from bot.merchants.shops import MAX_NAME_CHARS
from bot.texts import CAPTION_LIMIT, MessageTooLong, Texts, visible_length
from handlers.fan.cards import details_text

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


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("status", "name"), STATES)
def test_details_at_the_longest_fit_a_caption_with_the_whole_reason(
    texts: Texts, language: str, status: str | None, name: str | None
) -> None:
    reason = ("W" * (REASON_MAX_CHARS - 3)) + "END"
    text = details_text(
        texts,
        language,
        reason=reason,
        **{
            **DETAILS,
            "title": "W" * TITLE_MAX_CHARS,
            "available": False,  # the longest state after the title
            "partner_key": "weimai",
            "expert_name": "W" * NAME_MAX_CHARS,
            "merchant_name": "W" * MAX_NAME_CHARS if name else None,
            "merchant_status": status,
        },
    )
    assert reason in text  # not cut
    assert visible_length(text) <= CAPTION_LIMIT


def test_a_reason_of_emoji_is_cut_to_fit_and_marked(texts: Texts) -> None:
    reason = "😀" * REASON_MAX_CHARS  # each counts two in Telegram's limit
    values = {**DETAILS, "merchant_name": "Lodge", "merchant_status": "verified"}
    with pytest.raises(MessageTooLong):
        texts.render("fan/item_details", "en", caption=True, reason=reason, **values)
    text = details_text(texts, "en", reason=reason, **values)
    assert visible_length(text) <= CAPTION_LIMIT
    assert "😀…" in text and "Delivery and after-sales" in text


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Shop: Lodge &amp; Co, verified by Vitrine.",
                "Delivery and after-sales: the shop, through Tmall.",
                "Payment: on Tmall's own checkout; Vitrine never takes payment.",
                "pays Chef Mei a commission, at no cost to you",
            ],
        ),
        (
            "zh_Hans",
            [
                "店铺：Lodge &amp; Co，已通过 Vitrine 认证。",
                "发货与售后：由店铺通过天猫负责。",
                "付款：在天猫自己的收银台完成；Vitrine 不收取任何款项。",
                "向 Chef Mei 支付佣金",
            ],
        ),
    ],
)
def test_details_name_the_shop_delivery_payment_and_attribution(
    texts: Texts, language: str, words: list[str]
) -> None:
    values = {**DETAILS, "merchant_name": "Lodge & Co", "merchant_status": "verified"}
    text = details_text(texts, language, reason="Heats evenly.", **values)
    for sentence in words:
        assert sentence in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_details_of_an_unregistered_shop_promise_no_commission(texts: Texts, language: str) -> None:
    values = {**DETAILS, "merchant_name": None, "merchant_status": None}
    text = details_text(texts, language, reason="Heats evenly.", **values)
    assert ("commission" in text) is False and ("佣金" in text) is False
    assert {"en": "not registered with Vitrine", "zh_Hans": "未在 Vitrine 登记"}[language] in text


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
        (
            "zh_Hans",
            None,
            None,
            "由天猫上一家未在 Vitrine 登记的店铺销售",
        ),  # issue 12: the name translated
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
    assert {"en": "No shop on Tmall", "zh_Hans": "天猫上还没有"}[language] in empty
