"""The expert card every slice shows: name, badge, vertical, tags, followers, bio, reputation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.states import ProfileStatus
from bot.domain.verticals import get_tag, get_vertical, is_tag, is_vertical
from bot.experts.rules import refund_share_percent

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.experts import Expert


def vertical_label(vertical: str, language: str) -> str:
    """The vertical's name in `language` (the key itself if the catalogue no longer has it)."""
    return get_vertical(vertical).label(language) if is_vertical(vertical) else vertical


def tag_labels(tags: tuple[str, ...] | list[str], language: str) -> list[str]:
    """The tags' names in `language`, skipping tags the catalogue no longer has."""
    return [get_tag(tag).label(language) for tag in tags if is_tag(tag)]


async def render_expert_card(services: Services, expert: Expert, language: str) -> str:
    """The expert's card as Telegram HTML (fits a photo caption as well as a message); its
    counts are read in one unit of work, so they agree with each other."""
    async with services.unit_of_work() as uow:
        refunded, orders = await uow.experts.order_outcomes(expert.id)
        followers = await uow.experts.follower_count(expert.id)
    return services.texts.render(
        "expert/card",
        language,
        caption=True,
        subject=expert.display_name,
        handle=expert.handle,
        verified=expert.status == ProfileStatus.VERIFIED,
        suspended=expert.status == ProfileStatus.SUSPENDED,
        vertical=vertical_label(expert.vertical, language),
        tags=tag_labels(expert.tags, language),
        followers=followers,
        bio=expert.bio,
        orders=orders,
        refund_percent=refund_share_percent(refunded, orders),
    )
