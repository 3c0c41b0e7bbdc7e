"""What a campaign message looks like: rendered per fan at send time from the row's reference.

Outbox rows of a campaign carry only {"render": "campaign", "campaign_id": ...}: the card text is
the same for every fan of a language (cached per campaign and language), while the Buy button
carries the fan's own signed token, made here with bot/links.buy_url.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.delivery.dispatcher import Withdrawn
from bot.domain.callbacks import Follow, ReservePresale, Unfollow, encode
from bot.links import buy_url
from bot.texts import Texts
from storage.repositories import Repositories
from storage.repositories.campaigns import Campaign
from storage.repositories.experts import Expert
from storage.repositories.items import Item
from storage.repositories.outbox import OutboxRow

DISCOVERY_KINDS = ("passerby", "account")


class CardWithdrawn(Withdrawn):
    """The campaign has nothing left to show (expert suspended, every item unlisted)."""


@dataclass(frozen=True)
class _CardParts:
    """The fan-independent part of a campaign card."""

    campaign: Campaign
    expert: Expert
    item: Item | None
    text: str
    labels: dict[str, str]
    fingerprint: tuple[Any, ...]
    withdrawn: bool = False


class CampaignCards:
    """Renders campaign cards and digests for the dispatcher."""

    def __init__(self, repos: Repositories, texts: Texts, settings: Settings) -> None:
        self.repos = repos
        self.texts = texts
        self.settings = settings
        self._parts: dict[tuple[int, str], _CardParts] = {}

    def forget(self, campaign_id: int) -> None:
        """Drop cached cards of a campaign (its items changed)."""
        for key in [k for k in self._parts if k[0] == campaign_id]:
            del self._parts[key]

    async def _card(self, campaign_id: int, language: str) -> _CardParts:
        key = (campaign_id, language)
        # A price edit, a sale or a suspension mid-run changes the fingerprint: render afresh.
        fingerprint = await self.repos.campaigns.card_fingerprint(campaign_id)
        cached = self._parts.get(key)
        if cached is not None and cached.fingerprint == fingerprint:
            return cached
        campaign = await self.repos.campaigns.get(campaign_id)
        if campaign is None:
            raise LookupError(f"campaign {campaign_id} is gone")
        expert = await self.repos.experts.get(campaign.expert_id)
        assert expert is not None
        fetched = [await self.repos.items.get(x) for x in campaign.item_ids]
        items = [i for i in fetched if i is not None and i.available]
        withdrawn = not expert.is_active or (bool(campaign.item_ids) and not items)
        item = items[0] if items else None
        text = (
            ""
            if withdrawn
            else self.texts.render(
                "campaign/push_card",
                language,
                caption=item is not None,
                kind=campaign.kind,
                expert=expert,
                item=item,
                more_items=items[1:],
                # Shown in the platform's time zone (cards are rendered once per language).
                opens_at=(
                    campaign.ends_at.astimezone(ZoneInfo(self.settings.default_timezone))
                    if campaign.kind == "presale" and campaign.ends_at
                    else None
                ),
            )
        )
        labels = {
            name: self.texts.label(language, f"campaign.{name}")
            for name in ("buy", "follow", "unfollow", "reserve")
        }
        self._parts[key] = _CardParts(campaign, expert, item, text, labels, fingerprint, withdrawn)
        return self._parts[key]

    async def render(self, row: OutboxRow) -> tuple[str, dict[str, Any]]:
        """The Bot API call for one campaign row, with this fan's Buy link.

        Raises CardWithdrawn when nothing is left to advertise: the dispatcher drops the row.
        """
        card = await self._card(int(row.payload["campaign_id"]), row.language or "zh_Hans")
        if card.withdrawn:
            raise CardWithdrawn(f"campaign {card.campaign.id} has nothing left to show")
        rows: list[list[dict[str, str]]] = []
        if card.item is not None and row.user_id is not None:
            if card.campaign.kind == "presale":
                rows.append(
                    [
                        {
                            "text": card.labels["reserve"],
                            "callback_data": encode(ReservePresale(card.item.id)),
                        }
                    ]
                )
            elif not card.item.sold_out:  # no Buy button for what cannot be bought
                url = buy_url(
                    self.settings,
                    item_id=card.item.id,
                    fan_id=row.user_id,
                    source="campaign",
                    campaign_id=card.campaign.id,
                )
                rows.append([{"text": card.labels["buy"], "url": url}])
        if card.campaign.kind in DISCOVERY_KINDS:
            rows.append(
                [
                    {
                        "text": card.labels["follow"],
                        "callback_data": encode(Follow(card.expert.id, "push")),
                    }
                ]
            )
        else:
            rows.append(
                [
                    {
                        "text": card.labels["unfollow"],
                        "callback_data": encode(Unfollow(card.expert.id, "push")),
                    }
                ]
            )
        params: dict[str, Any] = {"parse_mode": "HTML", "reply_markup": {"inline_keyboard": rows}}
        if card.item is None or card.campaign.kind == "account":
            return "sendMessage", {**params, "text": card.text}
        if card.item.photo_file_id is None and card.item.photo_path is None:
            return "sendMessage", {**params, "text": card.text}
        # The file id, and the bot's copy to upload if it is refused (bot/delivery/photo_upload).
        photo = {
            "photo": card.item.photo_file_id,
            "photo_path": card.item.photo_path,
            "photo_item_id": card.item.id,
        }
        return "sendPhoto", {**params, **photo, "caption": card.text}

    async def render_digest(self, row: OutboxRow) -> tuple[str, dict[str, Any]]:
        """The daily digest: every campaign item a digest-mode fan was sent today, in one message."""
        language = row.language or "zh_Hans"
        entries = []
        for campaign_id in row.payload.get("campaign_ids", []):
            campaign = await self.repos.campaigns.get(int(campaign_id))
            if campaign is None:
                continue
            expert = await self.repos.experts.get(campaign.expert_id)
            if expert is None or not expert.is_active:
                continue
            listed = [
                i
                for i in [await self.repos.items.get(x) for x in campaign.item_ids]
                if i and i.available
            ]
            if campaign.item_ids and not listed:
                continue
            item = listed[0] if listed else None
            url = None
            if item is not None and row.user_id is not None and not item.sold_out:
                url = buy_url(
                    self.settings,
                    item_id=item.id,
                    fan_id=row.user_id,
                    source="campaign",
                    campaign_id=campaign.id,
                )
            entries.append({"expert": expert, "item": item, "url": url})
        text = self.texts.render("campaign/digest", language, entries=entries)
        return "sendMessage", {"text": text, "parse_mode": "HTML", "disable_web_page_preview": True}
