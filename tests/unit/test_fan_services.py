"""Pure fan-side rules: paging, search words, cart grouping and settings conversion."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.domain.errors import DomainError
from bot.fan.cart import group_by_shop, total_fen
from bot.fan.paging import Paging, clamp_page
from bot.fan.search import search_words, word_alternatives, word_groups
from bot.fan.settings import apply_change, to_push_settings, to_row
from storage.repositories.cart import CartLine
from storage.repositories.fan_settings import FanSettingsRow
from storage.repositories.items import Item


def make_item(
    item_id: int, merchant_id: int, price: int, *, stock: int = 5, status: str = "listed"
) -> Item:
    return Item(
        id=item_id,
        expert_id=1,
        merchant_id=merchant_id,
        merchant_name=f"Shop {merchant_id}",
        partner_key="tmall",
        partner_item_id=str(item_id),
        canonical_url="https://detail.tmall.com/x",
        title=f"Item {item_id}",
        reason="r",
        price_fen=price,
        stock=stock,
        photo_file_id=None,
        photo_path=None,
        tags=(),
        status=status,
        pinned_until=None,
        created_at=datetime.now(UTC),
    )


def test_paging_counts_pages_and_neighbours() -> None:
    assert Paging(0, 5, 0).pages == 1
    assert Paging(1, 5, 11).pages == 3 and Paging(1, 5, 11).offset == 5
    assert Paging(0, 5, 11).has_next and not Paging(0, 5, 11).has_prev
    assert Paging(2, 5, 11).has_prev and not Paging(2, 5, 11).has_next


def test_an_old_page_beyond_the_end_moves_to_the_last_page() -> None:
    paging, moved = clamp_page(4, 5, 7)
    assert (paging.page, moved) == (1, True)
    paging, moved = clamp_page(1, 5, 7)
    assert (paging.page, moved) == (1, False)
    paging, moved = clamp_page(3, 5, 0)
    assert (paging.page, moved) == (0, True)


def test_search_words_are_trimmed_and_limited() -> None:
    assert search_words("  lina,  beauty ") == ["lina", "beauty"]
    assert len(search_words("a b c d e f g")) == 5
    assert search_words("x" * 100) == ["x" * 32]
    assert search_words("   ") == []


def test_words_find_tags_and_verticals_in_both_languages() -> None:
    assert "skincare" in word_alternatives("护肤")
    assert "skincare" in word_alternatives("Skin")
    assert "beauty" in word_alternatives("美妆")
    assert word_alternatives("#lina") == ["lina"]
    assert word_groups("lina 护肤")[1][0] == "护肤"


def test_cart_groups_by_shop_and_counts_only_buyable_lines() -> None:
    lines = [
        CartLine(make_item(1, 10, 1000), 2),
        CartLine(make_item(2, 20, 500), 1),
        CartLine(make_item(3, 10, 700, stock=0), 1),  # sold out: shown, not counted
        CartLine(make_item(4, 20, 900, status="delisted"), 3),  # delisted: shown, not counted
    ]
    groups = group_by_shop(lines)
    assert [g.merchant_id for g in groups] == [10, 20]
    assert [len(g.lines) for g in groups] == [2, 2]
    assert [g.subtotal_fen for g in groups] == [2000, 500]
    assert total_fen(groups) == 2500


def test_settings_convert_both_ways_and_apply_changes() -> None:
    row = FanSettingsRow()
    settings = to_push_settings(row, "Asia/Shanghai")
    assert settings.quiet_start == time(22) and settings.quiet_end == time(8)
    assert to_row(settings) == row
    assert apply_change(row, "Asia/Shanghai", "quiet", "2300-0700").quiet_start_min == 23 * 60
    assert apply_change(row, "Asia/Shanghai", "quiet", "none").quiet_start_min == 0
    assert apply_change(row, "Asia/Shanghai", "mode", "digest").push_mode == "digest"
    assert apply_change(row, "Asia/Shanghai", "consent", "1").discovery_consent is True
    with pytest.raises(DomainError):
        apply_change(row, "Asia/Shanghai", "cap", "500")
