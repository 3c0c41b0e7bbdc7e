"""The demo items' photos: a product card drawn locally with Pillow, its title wrapped the way
CJK text wraps (also the fallback picture of an item whose photo is missing)."""

from __future__ import annotations

import colorsys
import hashlib
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

TITLE_WIDTH = 460  # pixels of the photo's white card a title line may use
TITLE_LINES = 3
# Closing punctuation a CJK line must not start with (it stays with the character before).
NO_LINE_START = frozenset("，。、！？；：）》」』】〉”’％")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def _wide(char: str) -> bool:
    """Chinese, Japanese and Korean characters (and other wide ones): a line may break between
    any two of them, as CJK text wraps."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The text as unbreakable pieces, each with whether a space comes before it: a word of
    non-wide characters, or one wide character (closing punctuation clings to what it closes)."""
    pieces: list[tuple[str, bool]] = []
    word, spaced = "", False
    for char in text:
        if char.isspace():
            if word:
                pieces.append((word, spaced))
                word = ""
            spaced = bool(pieces)
        elif _wide(char):
            if word:
                pieces.append((word, spaced))
                word, spaced = "", False
            if char in NO_LINE_START and pieces and not spaced:
                previous, before = pieces.pop()
                pieces.append((previous + char, before))
            else:
                pieces.append((char, spaced))
            spaced = False
        else:
            word += char
    if word:
        pieces.append((word, spaced))
    return pieces


def wrap_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Lines of `text` that each fit, broken at spaces and between CJK characters, never inside
    a word — unless a word is too long for a line on its own, which is then cut where it must."""
    lines: list[str] = []
    line = ""
    for piece, spaced in _pieces(text):
        candidate = f"{line} {piece}" if spaced and line else line + piece
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        for char in piece:  # fits on the new line whole, or is cut by characters
            if line and not fits(line + char):
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines or [""]


def title_lines(title: str, fits: Callable[[str], bool], most: int = TITLE_LINES) -> list[str]:
    """The title wrapped into at most `most` lines; when it needs more, the last ends with "…"."""
    lines = wrap_text(title, fits)
    if len(lines) <= most:
        return lines
    last = lines[most - 1]
    while last and not fits(last + "…"):
        last = last[:-1]
    return [*lines[: most - 1], last.rstrip() + "…"]


def draw_item_photo(title: str, path: Path) -> Path:
    """A 640×640 product card with the title on a colour derived from it."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    hue = int(hashlib.sha256(title.encode()).hexdigest()[:4], 16) / 0xFFFF
    top = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.35, 0.98))
    bottom = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.65, 0.75))
    image = Image.new("RGB", (640, 640))
    draw = ImageDraw.Draw(image)
    for y in range(640):
        t = y / 639
        draw.line(
            [(0, y), (640, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=False)),
        )
    draw.rounded_rectangle([60, 200, 580, 440], radius=36, fill=(255, 255, 255))
    font = _font(40)

    def fits(line: str) -> bool:
        return draw.textlength(line, font=font) <= TITLE_WIDTH

    lines = title_lines(title, fits)
    y = 320 - 26 * len(lines)
    for text in lines:
        width = draw.textlength(text, font=font)
        draw.text(((640 - width) / 2, y), text, font=font, fill=(40, 40, 48))
        y += 52
    draw.text((60, 560), "Vitrine demo", font=_font(24), fill=(255, 255, 255))
    image.save(path, "PNG")
    return path
