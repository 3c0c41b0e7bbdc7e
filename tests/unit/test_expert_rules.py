"""Expert application rules, pin durations, reputation and the error sentences for every code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import DomainError
from bot.domain.money import parse_price_to_fen, parse_stock
from bot.domain.partner_links import parse_partner_link
from bot.domain.partners import DEFAULT_PARTNERS
from bot.domain.publishing import validate_reason, validate_title
from bot.experts.rules import (
    MAX_TAGS,
    pin_end,
    refund_share_percent,
    toggle_tag,
    validate_bio,
    validate_display_name,
    validate_handle,
    validate_tags,
)
from bot.texts import Texts


@pytest.mark.parametrize(
    "text, handle",
    [
        ("lina_beauty", "lina_beauty"),
        ("@Tech_Wang", "Tech_Wang"),
        (" abc ", "abc"),
        ("A" * 32, "A" * 32),
    ],
)
def test_good_handles_are_kept_as_typed(text: str, handle: str) -> None:
    assert validate_handle(text) == handle


@pytest.mark.parametrize(
    "text", ["ab", "a" * 33, "li na", "lina-beauty", "李娜娜", "lina!", "", "ｌｉｎａ_1"]
)
def test_bad_handles_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_handle(text)
    assert caught.value.code == "handle.invalid"


def test_reserved_handles_are_refused_in_any_case() -> None:
    with pytest.raises(DomainError) as caught:
        validate_handle("ADMIN")
    assert caught.value.code == "handle.reserved"


def test_display_names_and_bios() -> None:
    assert validate_display_name("  Lina \n Chen ") == "Lina Chen"
    assert validate_display_name("李娜") == "李娜"
    for bad, code in [
        ("L", "name.too_short"),
        ("x" * 33, "name.too_long"),
        ("!!", "name.no_letters"),
    ]:
        with pytest.raises(DomainError) as caught:
            validate_display_name(bad)
        assert caught.value.code == code
    assert validate_bio("十年护肤经验，专注敏感肌。") == "十年护肤经验，专注敏感肌。"
    assert validate_bio("line one here\n\n\n\nline two") == "line one here\n\nline two"
    with pytest.raises(DomainError):
        validate_bio("too short")
    with pytest.raises(DomainError):
        validate_bio("x" * 301)


def test_tags_belong_to_the_vertical_and_are_capped() -> None:
    assert validate_tags("beauty", ["makeup", "skincare"]) == [
        "skincare",
        "makeup",
    ]  # catalogue order
    with pytest.raises(DomainError):
        validate_tags("beauty", [])
    with pytest.raises(DomainError):
        validate_tags("beauty", ["skincare", "cooking"])
    tags: list[str] = []
    for tag in ("skincare", "makeup", "fragrance", "haircare", "nails"):
        tags = toggle_tag("beauty", tags, tag)
    assert len(tags) == MAX_TAGS == 5
    assert toggle_tag("beauty", tags, "nails") == tags[:-1]


def test_pins_last_whole_days_of_the_offered_lengths() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert pin_end(3, now) == now + timedelta(days=3)
    with pytest.raises(DomainError):
        pin_end(2, now)


@pytest.mark.parametrize(
    "refunded, orders, percent", [(0, 0, None), (0, 10, 0), (1, 3, 33), (1, 8, 13), (5, 5, 100)]
)
def test_refund_share(refunded: int, orders: int, percent: int | None) -> None:
    assert refund_share_percent(refunded, orders) == percent


def _codes() -> list[DomainError]:
    """One real error per field parser, plus the codes the expert slice raises itself."""
    errors: list[DomainError] = []
    for parse, inputs in [
        (
            validate_title,
            [
                "",
                "ab",
                "x" * 80,
                "!!!!",
                "SALE SALE SALE now",
                "a|b|c|d|e",
                "#a #b #c here",
                "BUY THIS AMAZING NOW",
                "🔥🔥🔥🔥 hot",
            ],
        ),
        (validate_reason, ["", "short", "x" * 600, "!!!!!!!!!!!!", "好好好好好好好好好好"]),
        (parse_price_to_fen, ["", "abc", "-1", "0", "1e5", "1.2.3", "1.234", "99999999999", "nan"]),
        (parse_stock, ["", "-1", "1.5", "abc", "99999999"]),
        (
            lambda t: parse_partner_link(t, DEFAULT_PARTNERS),
            [
                "",
                "https://evil.com/x?id=1",
                "http://t.cn/abc",
                "https://tmall.com@evil.com/x",
                "ftp://tmall.com/x",
                "https://detail.tmall.com/item.htm",
                "https://detail.tmall.com:8443/item.htm?id=1",
            ],
        ),
    ]:
        for text in inputs:
            try:
                parse(text)  # type: ignore[operator]
            except DomainError as error:
                errors.append(error)
    errors += [
        DomainError("handle.invalid", min=3, max=32),
        DomainError("handle.taken", handle="x"),
        DomainError("handle.reserved", handle="admin"),
        DomainError("bio.too_long", max=300, length=301),
        DomainError("tags.too_many", max=5),
        DomainError("draft.no_photo"),
        DomainError("window.not_yours"),
        DomainError("window.pin_unlisted"),
        DomainError("expert.not_active", status="pending"),
    ]
    return errors


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_every_error_code_has_its_own_sentence_in_both_languages(language: str) -> None:
    texts = Texts()
    generic = texts.render("expert/errors", language, code="no.such.code", p={}, partners=[])
    seen = set()
    for error in _codes():
        text = texts.render(
            "expert/errors",
            language,
            code=error.code,
            p=error.params,
            partners=["Tmall", "Taobao", "Weimai"],
        )
        assert text and text != generic, error
        if error.code.startswith("link."):  # the platforms in the reader's language (issue 12)
            assert ("Tmall, Taobao, Weimai" if language == "en" else "天猫、淘宝、微卖") in text
        seen.add(error.code)
    assert len(seen) >= 30
