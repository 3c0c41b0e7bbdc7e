"""Finding experts and items: /experts (browse by vertical, or search by words) and the items
inline mode shares; and turning a query's words into alternatives the search understands.

The use cases (`browse_experts`, `shareable_items`) each read in one unit of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.buying import is_listed
from bot.domain.verticals import VERTICALS
from bot.fan.paging import Paging, clamp_page
from bot.fan.records import Expert, ExpertSummary, Item

if TYPE_CHECKING:
    from bot.services import Services

EXPERTS_PAGE_SIZE = 6
INLINE_PAGE_SIZE = 10
MAX_INLINE_OFFSET = 1_000  # a hundred pages of results; deeper offsets are answered with nothing
MAX_INLINE_QUERY = 64
_ITEM_QUERY = re.compile(r"^\s*#(\d{1,15})\s*$")

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


@dataclass(frozen=True)
class ExpertsView:
    """A page of verified experts, most followed first; `total` of them match."""

    found: tuple[ExpertSummary, ...]
    total: int
    paging: Paging
    moved: bool  # the page asked for no longer exists; the last one is shown


@dataclass(frozen=True)
class SharedItems:
    """Items an inline query found, with their experts by id."""

    items: tuple[Item, ...]
    experts: dict[int, Expert]


async def browse_experts(
    services: Services, *, vertical: str, page: int, query: str = ""
) -> ExpertsView:
    """Page `page` of verified experts in `vertical` ("" for all), or those matching `query`."""
    groups = word_groups(query) if query else []
    async with services.unit_of_work() as uow:
        found, total = await uow.browse.experts_page(
            vertical=vertical or None,
            word_groups=groups,
            offset=max(page, 0) * EXPERTS_PAGE_SIZE,
            limit=EXPERTS_PAGE_SIZE,
        )
        paging, moved = clamp_page(page, EXPERTS_PAGE_SIZE, total)
        if moved and total:
            found, total = await uow.browse.experts_page(
                vertical=vertical or None,
                word_groups=groups,
                offset=paging.offset,
                limit=paging.size,
            )
    return ExpertsView(tuple(found), total, paging, moved)


async def shareable_items(services: Services, *, query: str, offset: int) -> SharedItems:
    """Inline mode: "#<item id>" is that item (if listed and its expert shown), other text
    searches listed items; a page of INLINE_PAGE_SIZE from `offset`."""
    match = _ITEM_QUERY.match(query)
    async with services.unit_of_work() as uow:
        if match:
            found = []
            item = None if offset else await uow.items.get(int(match.group(1)))
            expert = await uow.experts.get(item.expert_id) if item else None
            if item is not None and is_listed(item) and expert is not None and expert.is_active:
                found = [item]
        else:
            found = await uow.browse.search_items(
                query[:MAX_INLINE_QUERY], offset=offset, limit=INLINE_PAGE_SIZE
            )
        experts = await uow.browse.experts_by_ids(item.expert_id for item in found)
    return SharedItems(tuple(found), experts)
