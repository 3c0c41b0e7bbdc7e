"""What a recommendation must contain: clean title, real reason, price, stock, partner link.

Lengths are counted in characters (code points), so a Chinese character counts as one.
Keyword-stuffing checks look at an NFKC-folded copy (full-width letters and punctuation become
ASCII there), while the text we return keeps the author's own punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.money import DEFAULT_MAX_PRICE_FEN, MAX_STOCK, validate_price_fen, validate_stock
from bot.domain.partner_links import PartnerLink

TITLE_MIN_CHARS = 4
TITLE_MAX_CHARS = 60
REASON_MIN_CHARS = 10
REASON_MAX_CHARS = 500
MAX_PHOTO_FILE_ID_CHARS = 256

MAX_WORD_REPEATS = 2
MAX_SEPARATORS = 3
MAX_HASHTAGS = 2
MAX_SHOUTED_LETTERS = 10
MAX_EMOJI = 3
MAX_SAME_CHAR_RUN = 3  # "!!!" is emphasis, "!!!!" is noise
MIN_DISTINCT_REASON_CHARS = 4

_ZWJ = "\u200d"  # joins emoji sequences (👨‍👩‍👧), so it is kept while other format characters go
_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # hangul syllables
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Separators that turn a title into a keyword list; after NFKC "｜／，；" are "|/,;".
_SEPARATOR = re.compile(r"[|/,;、·•+~]")
_DIGIT_BETWEEN = re.compile(r"(?<=[0-9])[,/.](?=[0-9])")  # 1,000 and 3/4 are numbers, not lists
_BRACKET_GROUP = re.compile(r"[【\[〔〖][^】\]〕〗]*[】\]〕〗]")
_HASHTAG = re.compile(r"#[^\s#]+#?")
_SAME_CHAR_RUN = re.compile(rf"([^\s0-9])\1{{{MAX_SAME_CHAR_RUN},}}")
_SKIN_TONE = range(0x1F3FB, 0x1F400)
_REGIONAL_INDICATOR = range(0x1F1E6, 0x1F200)


@dataclass(frozen=True)
class Draft:
    """A complete, validated recommendation ready to become an item in the expert's window."""

    photo_file_id: str
    title: str
    reason: str
    price_fen: int
    stock: int
    link: PartnerLink


def _drop_invisible(text: str) -> str:
    """Remove control and format characters (bidi overrides, zero-width spaces), keep whitespace."""
    return "".join(
        char
        for char in text
        if char.isspace() or char == _ZWJ or unicodedata.category(char)[0] != "C"
    )


def _is_emoji(char: str) -> bool:
    """True for pictographic code points: emoji blocks, dingbats, stars and misc symbols."""
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0x3030, 0x303D, 0x3297, 0x3299)
    )


def count_emoji(text: str) -> int:
    """Count emoji as people see them: a flag is one, skin tones and joiners add nothing."""
    singles = sum(
        1
        for char in text
        if _is_emoji(char) and ord(char) not in _SKIN_TONE and ord(char) not in _REGIONAL_INDICATOR
    )
    flags = sum(1 for char in text if ord(char) in _REGIONAL_INDICATOR)
    return singles + (flags + 1) // 2


def _repeated_word(folded: str) -> str | None:
    """Return a word or CJK phrase used more than MAX_WORD_REPEATS times, else None."""
    # Latin (and other spaced scripts): whole words, case-folded.
    spaced = _CJK_CHAR.sub(" ", folded)
    counts: Counter[str] = Counter(_WORD.findall(spaced))
    for word, count in counts.most_common(1):
        if count > MAX_WORD_REPEATS:
            return word
    # Chinese has no spaces, so any two-character phrase met three times counts ("爆款爆款爆款").
    runs: list[str] = _CJK_RUN.findall(folded)
    for run in runs:
        for start in range(len(run) - 1):
            phrase = run[start : start + 2]
            if phrase[0] != phrase[1] and folded.count(phrase) > MAX_WORD_REPEATS:
                return phrase
    return None


def _shouted_letters(folded_keep_case: str) -> int:
    """Count letters in words written entirely in capitals (two letters or more)."""
    words = re.findall(r"[^\W\d_]+", _CJK_CHAR.sub(" ", folded_keep_case))
    return sum(len(word) for word in words if len(word) >= 2 and word.isupper())


def _check_stuffing(text: str) -> None:
    """Raise title.<rule> when a title reads as a keyword list rather than a title."""
    folded_keep_case = unicodedata.normalize("NFKC", text)
    folded = folded_keep_case.casefold()
    # Emoji first: "🔥🔥🔥🔥" is emoji spam before it is a repeated character.
    emoji = count_emoji(text)
    if emoji > MAX_EMOJI:
        raise DomainError("title.too_many_emoji", count=emoji, max=MAX_EMOJI)
    run = _SAME_CHAR_RUN.search(folded)
    if run is not None:
        raise DomainError("title.repeated_characters", text=run.group(0))
    word = _repeated_word(folded)
    if word is not None:
        raise DomainError("title.repeated_word", word=word, max=MAX_WORD_REPEATS)
    unlisted = _DIGIT_BETWEEN.sub("", folded)
    separators = len(_SEPARATOR.findall(unlisted)) + len(_BRACKET_GROUP.findall(unlisted))
    if separators > MAX_SEPARATORS:
        raise DomainError("title.too_many_separators", count=separators, max=MAX_SEPARATORS)
    hashtags = len(_HASHTAG.findall(folded))
    if hashtags > MAX_HASHTAGS:
        raise DomainError("title.too_many_hashtags", count=hashtags, max=MAX_HASHTAGS)
    if _shouted_letters(folded_keep_case) > MAX_SHOUTED_LETTERS:
        raise DomainError("title.shouting", max=MAX_SHOUTED_LETTERS)


def _has_letter_or_digit(text: str) -> bool:
    """True when some character is a letter or a digit (in any script)."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def validate_title(
    text: str, *, min_len: int = TITLE_MIN_CHARS, max_len: int = TITLE_MAX_CHARS
) -> str:
    """Return the title on one line with single spaces, or raise a title.* DomainError.

    Codes: title.empty, title.too_short, title.too_long, title.no_letters,
    title.repeated_characters, title.repeated_word, title.too_many_separators,
    title.too_many_hashtags, title.shouting, title.too_many_emoji.
    """
    if not isinstance(text, str):
        raise DomainError("title.empty")
    # Newlines, tabs and the ideographic space all become one ordinary space.
    cleaned = " ".join(_drop_invisible(text).split())
    cleaned = unicodedata.normalize("NFC", cleaned)
    if not cleaned:
        raise DomainError("title.empty")
    if len(cleaned) < min_len:
        raise DomainError("title.too_short", min=min_len, length=len(cleaned))
    if len(cleaned) > max_len:
        raise DomainError("title.too_long", max=max_len, length=len(cleaned))
    if not _has_letter_or_digit(cleaned):
        raise DomainError("title.no_letters")
    _check_stuffing(cleaned)
    return cleaned


def validate_reason(
    text: str, *, min_len: int = REASON_MIN_CHARS, max_len: int = REASON_MAX_CHARS
) -> str:
    """Return the reason with tidy lines (at most one blank line in a row), or raise reason.*.

    The minimum counts characters other than spaces, so ten Chinese characters are enough
    and "a b c d e" is not. Codes: reason.empty, reason.too_short, reason.too_long,
    reason.no_letters, reason.too_repetitive, reason.repeated_characters.
    """
    if not isinstance(text, str):
        raise DomainError("reason.empty")
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in _drop_invisible(unified).split("\n")]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    cleaned = unicodedata.normalize("NFC", cleaned)
    if not cleaned:
        raise DomainError("reason.empty")
    visible = "".join(cleaned.split())
    if len(visible) < min_len:
        raise DomainError("reason.too_short", min=min_len, length=len(visible))
    if len(cleaned) > max_len:
        raise DomainError("reason.too_long", max=max_len, length=len(cleaned))
    if not _has_letter_or_digit(cleaned):
        raise DomainError("reason.no_letters")
    # Padding to reach the minimum ("好好好好好好好好好好", "好用好用好用好用好用").
    if len(set(visible.casefold())) < MIN_DISTINCT_REASON_CHARS:
        raise DomainError("reason.too_repetitive")
    run = re.search(r"(\S)\1{9,}", cleaned)
    if run is not None:
        raise DomainError("reason.repeated_characters", text=run.group(0))
    return cleaned


def validate_photo_file_id(photo_file_id: str) -> str:
    """Return a Telegram file id when it looks like one, else raise draft.no_photo/bad_photo."""
    if not isinstance(photo_file_id, str) or not photo_file_id:
        raise DomainError("draft.no_photo")
    if len(photo_file_id) > MAX_PHOTO_FILE_ID_CHARS or not re.fullmatch(
        r"[A-Za-z0-9_\-]+", photo_file_id
    ):
        raise DomainError("draft.bad_photo")
    return photo_file_id


def validate_draft(
    *,
    photo_file_id: str,
    title: str,
    reason: str,
    price_fen: int,
    stock: int,
    link: PartnerLink | None,
    max_price_fen: int = DEFAULT_MAX_PRICE_FEN,
    max_stock: int = MAX_STOCK,
) -> Draft:
    """Check every field again (a resumed conversation may hold stale input); build the Draft."""
    if not isinstance(link, PartnerLink):
        raise DomainError("draft.no_link")
    return Draft(
        photo_file_id=validate_photo_file_id(photo_file_id),
        title=validate_title(title),
        reason=validate_reason(reason),
        price_fen=validate_price_fen(price_fen, max_fen=max_price_fen),
        stock=validate_stock(stock, max_stock=max_stock),
        link=link,
    )
