"""Fan screens render in both languages, escape what people typed, and fit Telegram's limits."""

from __future__ import annotations

import pytest

from bot.texts import Texts

LANGUAGES = ("zh_Hans", "en")

ITEM = dict(
    title="<b>Serum</b>",
    price_fen=16900,
    stock=3,
    sold_out=False,
    available=True,
    reason="Long reason " * 60,
    partner_key="tmall",
    merchant_name="Lumière & Co",
    merchant_status="verified",
    expert_name="Lina",
    tag_labels=["Skincare"],
    position=1,
    count=5,
    presale_opens=None,
)

SCREENS: dict[str, dict[str, object]] = {
    "fan/item_card": ITEM,
    "fan/welcome_expert": dict(
        first_name="Ann",
        returning=False,
        already=False,
        expert_name="Lina",
        handle="lina_beauty",
        vertical_label="Beauty",
        bio="Bio",
    ),
    "fan/expert_card": dict(
        expert_name="Lina",
        handle="lina",
        vertical_label="Beauty",
        tag_labels=["Makeup"],
        bio="Bio",
        followers=3,
        items=5,
        following=True,
        muted=True,
        app_link="https://t.me/vitrine_bot/shop?startapp=lina",
    ),
    "fan/experts_list": dict(
        query="",
        vertical_label="",
        rows=[dict(n=1, name="Lina", handle="lina", vertical_label="Beauty", followers=2)],
        page=0,
        pages=2,
        more=False,
    ),
    "fan/following": dict(
        rows=[dict(n=1, name="Lina", handle="lina", muted=True)], page=0, pages=1
    ),
    "fan/interests": dict(onboarding=True, vertical_label="Beauty", chosen=["Skincare"]),
    "fan/interests_saved": dict(chosen=["Skincare"], onboarding=True),
    "fan/window_empty": dict(expert_name="Lina"),
    "fan/following_windows": {},
    "fan/favourites": dict(
        rows=[dict(n=1, title="A", price_fen=100, state="sold_out")], page=0, pages=3
    ),
    "fan/cart": dict(
        groups=[
            dict(
                shop_name="Shop",
                partner_key="taobao",
                subtotal_fen=1000,
                lines=[dict(n=1, title="A", price_fen=500, quantity=2, state="ok")],
            )
        ],
        total_fen=1000,
        page=0,
        pages=1,
    ),
    "fan/feed": dict(
        rows=[dict(n=1, title="A", price_fen=100, expert_name="Lina", pinned=True)],
        page=0,
        has_interests=False,
    ),
    "fan/top": dict(
        board="want",
        vertical_label="",
        rows=[
            dict(
                rank=1,
                title="A",
                price_fen=100,
                score=4.0,
                opens_at="12-01 08:00 UTC",
                expert_name="Lina",
            )
        ],
        page=0,
        pages=1,
    ),
    "fan/settings": dict(
        section="quiet",
        mode="digest",
        digest_hour=20,
        quiet="22:00–08:00",
        timezone="Asia/Shanghai",
        cap=3,
        own_cap=10,
        platform_cap=3,
        consent=False,
    ),
    "fan/mydata": {},
    "fan/forget": dict(step="confirm"),
    "fan/notice": dict(code="unknown_expert", handle="nobody"),
}


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_every_fan_screen_renders(texts: Texts, screen: str, language: str) -> None:
    text = texts.render(screen, language, caption=screen == "fan/item_card", **SCREENS[screen])
    assert text.strip()
    assert "<b>Serum</b>" not in text  # titles people typed are escaped


def test_item_card_differs_by_language_and_names_who_delivers(texts: Texts) -> None:
    zh = texts.render("fan/item_card", "zh_Hans", caption=True, **ITEM)
    en = texts.render("fan/item_card", "en", caption=True, **ITEM)
    assert "¥169.00" in en and "3 in stock" in en
    assert "delivery and after-sales by Lumière &amp; Co" in en
    assert "售后" in zh and "3 in stock" not in zh


def test_item_card_marks_sold_out_and_delisted(texts: Texts) -> None:
    sold_out = texts.render(
        "fan/item_card", "en", caption=True, **{**ITEM, "stock": 0, "sold_out": True}
    )
    delisted = texts.render("fan/item_card", "en", caption=True, **{**ITEM, "available": False})
    assert "sold out" in sold_out
    assert "no longer listed" in delisted


def test_every_fan_label_exists_in_both_languages(texts: Texts) -> None:
    zh, en = texts.labels("zh_Hans", "fan"), texts.labels("en", "fan")
    assert zh.keys() == en.keys()
    assert en["follow"] != zh["follow"]
    assert texts.label("en", "fan.buy", price="¥1.00") == "Buy ¥1.00"


@pytest.mark.parametrize("language", LANGUAGES)
def test_toasts_fit_an_answer(texts: Texts, language: str) -> None:
    for code in (
        "stale",
        "item_gone",
        "list_changed",
        "fav_added",
        "cart_added",
        "reserved",
        "forget_expired",
    ):
        text = texts.render("fan/notice", language, code=code, quantity=2, expert="Lina")
        assert 0 < len(text) <= 200
