"""Demo item photos: titles wrap at word boundaries (CJK between characters), never mid-word."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from bot.demo.catalogue import DEMO_EXPERTS
from bot.demo.photos import TITLE_WIDTH, _font, draw_item_photo, title_lines, wrap_text


def at_most(characters: int):  # type: ignore[no-untyped-def]
    """A monospace measure: a line fits when it has at most this many characters."""
    return lambda line: len(line) <= characters


def test_latin_titles_break_at_spaces_only() -> None:
    assert wrap_text("Silk Matte Lipstick #Rose", at_most(12)) == [
        "Silk Matte",
        "Lipstick",
        "#Rose",
    ]
    assert wrap_text("Cast-iron Skillet 26cm", at_most(10)) == ["Cast-iron", "Skillet", "26cm"]
    assert wrap_text("  Velvet   Palette ", at_most(40)) == ["Velvet Palette"]


def test_cjk_titles_break_between_characters_and_keep_latin_words_whole() -> None:
    assert wrap_text("温和氨基酸洁面乳洗完不紧绷", at_most(5)) == [
        "温和氨基酸",
        "洁面乳洗完",
        "不紧绷",
    ]
    assert wrap_text("玻尿酸保湿精华 30ml", at_most(8)) == ["玻尿酸保湿精华", "30ml"]
    assert wrap_text("降噪蓝牙耳机Pro版", at_most(7)) == ["降噪蓝牙耳机", "Pro版"]


def test_closing_punctuation_never_starts_a_line() -> None:
    assert wrap_text("一二三四，五六", at_most(4)) == ["一二三", "四，五六"]
    assert not any(line.startswith("，") for line in wrap_text("甲乙丙丁，戊己。庚", at_most(2)))


def test_a_word_longer_than_a_line_is_cut_where_it_must_be() -> None:
    assert wrap_text("Supercalifragilistic yes", at_most(8)) == ["Supercal", "ifragili", "stic yes"]
    assert wrap_text("", at_most(8)) == [""]


def test_every_demo_title_wraps_on_the_photo_without_splitting_a_word() -> None:
    font = _font(40)
    draw = ImageDraw.Draw(Image.new("RGB", (640, 640)))

    def fits(line: str) -> bool:
        return draw.textlength(line, font=font) <= TITLE_WIDTH

    for item in (item for expert in DEMO_EXPERTS for item in expert.items):
        lines = wrap_text(item.title, fits)
        assert all(fits(line) for line in lines), item.title
        words = item.title.split()
        if all(word.isascii() for word in words):  # Latin titles: the same words, in order
            assert " ".join(lines).split() == words, lines
        assert "".join(lines).replace(" ", "") == item.title.replace(" ", "")


def test_a_title_too_long_for_the_card_ends_its_third_line_with_an_ellipsis(
    tmp_path: Path,
) -> None:
    title = "Extra long title for a lipstick that goes on and on"
    assert title_lines(title, at_most(12)) == ["Extra long", "title for a", "lipstick…"]
    assert title_lines("Short one", at_most(12)) == ["Short one"]
    path = draw_item_photo(title * 3, tmp_path / "long.png")
    with Image.open(path) as image:
        assert image.size == (640, 640)
