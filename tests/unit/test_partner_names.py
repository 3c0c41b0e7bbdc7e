"""Matching the platform a person typed against the whitelist, in every interface language."""

from __future__ import annotations

import pytest

from bot.domain.partners import DEFAULT_PARTNERS, match_partner

NAMES = {"tmall": ["天猫", "Tmall"], "taobao": ["淘宝", "Taobao"], "weimai": ["微卖", "Weimai"]}


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("天猫", "tmall"),
        (" 天猫 ", "tmall"),
        ("Tmall", "tmall"),
        ("tmall", "tmall"),
        ("TMALL", "tmall"),
        ("ｔｍａｌｌ", "tmall"),  # full-width, as Chinese keyboards type it
        ("淘宝", "taobao"),
        ("Taobao", "taobao"),
        ("微卖", "weimai"),
        ("weimai", "weimai"),
    ],
)
def test_a_platform_is_found_by_key_name_or_translated_name(typed: str, key: str) -> None:
    partner = match_partner(typed, DEFAULT_PARTNERS, NAMES)
    assert partner is not None and partner.key == key


@pytest.mark.parametrize("typed", ["", "   ", "京东", "tmall.com", "天猫淘宝", "t mall x"])
def test_anything_else_is_no_platform(typed: str) -> None:
    assert match_partner(typed, DEFAULT_PARTNERS, NAMES) is None


def test_without_translations_only_keys_and_names_match() -> None:
    assert match_partner("天猫", DEFAULT_PARTNERS) is None
    assert match_partner("Taobao", DEFAULT_PARTNERS).key == "taobao"  # type: ignore[union-attr]
