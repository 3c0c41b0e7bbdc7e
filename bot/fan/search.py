"""Turn the words of `/experts <words>` into alternatives the expert search understands."""

from __future__ import annotations

import re

from bot.domain.verticals import VERTICALS

MAX_WORDS = 5
MAX_WORD_CHARS = 32
_SPLIT = re.compile(r"[\s,，、;；]+")


def search_words(text: str) -> list[str]:
    """The first few non-empty words of a query, trimmed to a sane length."""
    words = [w[:MAX_WORD_CHARS] for w in _SPLIT.split(text.strip()) if w]
    return words[:MAX_WORDS]


def word_alternatives(word: str) -> list[str]:
    """The word itself plus every vertical or tag key whose key or label contains it.

    So "护肤", "skin" and "skincare" all find experts tagged `skincare`.
    """
    needle = word.lower().lstrip("#@")
    found = [needle] if needle else []
    for vertical in VERTICALS:
        names = (vertical.key, vertical.name_en.lower(), vertical.name_zh)
        if needle and any(needle in name for name in names):
            found.append(vertical.key)
        for tag in vertical.tags:
            if needle and any(
                needle in name for name in (tag.key, tag.name_en.lower(), tag.name_zh)
            ):
                found.append(tag.key)
    return list(dict.fromkeys(found))


def word_groups(text: str) -> list[list[str]]:
    """One group of alternatives per word: an expert must match every group."""
    return [alts for alts in (word_alternatives(w) for w in search_words(text)) if alts]
