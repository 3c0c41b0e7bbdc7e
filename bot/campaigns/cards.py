"""What a campaign message looks like: rendered per fan at send time from the row's reference.

Outbox rows of a campaign carry only {"render": "campaign", "campaign_id": ...}: the card text is
the same for every fan of a language (cached per campaign and language), while the Buy button
carries the fan's own signed token, made here with bot/links.buy_url.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.delivery.dispatcher import Withdrawn
from bot.domain.callbacks import (
    CartAdd,
    FavouriteToggle,
    Follow,
    MuteToggle,
    ReservePresale,
    Unfollow,
    encode,
)
from bot.domain.campaigns import DISCOVERY_KINDS
from bot.domain.push_rules import zone_of
from bot.domain.states import DEFAULT_LANGUAGE, CampaignKind
from bot.links import buy_url
from bot.texts import MessageTooLong, Texts
from storage.repositories import Repositories
from storage.repositories.campaigns import Campaign
from storage.repositories.experts import Expert
from storage.repositories.items import Item
from storage.repositories.outbox import OutboxRow

TITLE_IN_BUTTON = 28  # characters of an item title (or expert name) on a button
Button = dict[str, str]


def _short(text: str, limit: int = TITLE_IN_BUTTON) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CardWithdrawn(Withdrawn):
    """The campaign has nothing left to show (expert suspended, every item unlisted)."""


@dataclass(frozen=True)
class _CardParts:
    """The fan-independent part of a campaign card."""

    campaign: Campaign
    expert: Expert
    items: tuple[Item, ...]  # the listed ones, in the campaign's order
    text: str
    labels: dict[str, str]
    fingerprint: tuple[Any, ...]
    withdrawn: bool = False

    @property
    def item(self) -> Item | None:
        """The lead item (the photo and the first line of the card)."""
        return self.items[0] if self.items else None


class CampaignCards:
    """Renders campaign cards and digests for the dispatcher."""

    def __init__(self, repos: Repositories, texts: Texts, settings: Settings) -> None:
        self.repos = repos
        self.texts = texts
        self.settings = settings
        self._parts: dict[tuple[int, str, str], _CardParts] = {}

    def forget(self, campaign_id: int) -> None:
        """Drop cached cards of a campaign (its items changed)."""
        for key in [k for k in self._parts if k[0] == campaign_id]:
            del self._parts[key]

    async def _card(self, campaign_id: int, language: str, timezone: str) -> _CardParts:
        key = (campaign_id, language, timezone)
        # A price edit, a sale or a suspension mid-run changes the fingerprint: render afresh.
        # One plain read per send, outside a unit of work: it is on the hot path of every push.
        fingerprint = await self.repos.campaigns.card_fingerprint(campaign_id)
        cached = self._parts.get(key)
        if cached is not None and cached.fingerprint == fingerprint:
            return cached
        async with self.repos.unit_of_work() as uow:  # one snapshot of what the card shows
            campaign = await uow.campaigns.get(campaign_id)
            expert = await uow.experts.get(campaign.expert_id) if campaign else None
            if campaign is None or expert is None:
                raise LookupError(f"campaign {campaign_id} or its expert is gone")
            fetched = [await uow.items.get(x) for x in campaign.item_ids]
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
                # In the reader's time zone (cards are rendered once per language and zone).
                opens_at=(
                    campaign.ends_at.astimezone(zone_of(timezone))
                    if campaign.kind == CampaignKind.PRESALE and campaign.ends_at
                    else None
                ),
            )
        )
        labels = {
            name: self.texts.label(language, f"campaign.{name}")
            for name in ("buy", "follow", "unfollow", "reserve")
        }
        labels["buy_item"] = self.texts.labels(language, "campaign")["buy_item"]
        labels["mute"] = self.texts.label(
            language, "campaign.mute", name=_short(expert.display_name)
        )
        # The fan screens' own labels, so their handlers relabel these buttons consistently.
        labels["favourite"] = self.texts.label(language, "fan.fav_add")
        labels["cart"] = self.texts.label(language, "fan.cart_add")
        self._parts[key] = _CardParts(
            campaign, expert, tuple(items), text, labels, fingerprint, withdrawn
        )
        return self._parts[key]

    def _item_rows(self, card: _CardParts, fan_id: int) -> list[list[Button]]:
        """Per item: Buy (this fan's signed link), then Favourite and Add to cart."""
        rows: list[list[Button]] = []
        several = len(card.items) > 1
        for item in card.items:
            if card.campaign.kind == CampaignKind.PRESALE:
                rows.append(
                    [
                        {
                            "text": card.labels["reserve"],
                            "callback_data": encode(ReservePresale(item.id, "push")),
                        }
                    ]
                )
            elif not item.sold_out:  # no Buy button for what cannot be bought
                url = buy_url(
                    self.settings,
                    item_id=item.id,
                    fan_id=fan_id,
                    source="campaign",
                    campaign_id=card.campaign.id,
                )
                text = (
                    card.labels["buy_item"].format(title=_short(item.title))
                    if several
                    else card.labels["buy"]
                )
                rows.append([{"text": text, "url": url}])
            keep = [
                {
                    "text": card.labels["favourite"],
                    "callback_data": encode(FavouriteToggle(item.id)),
                }
            ]
            if card.campaign.kind != CampaignKind.PRESALE and not item.sold_out:
                keep.append(
                    {"text": card.labels["cart"], "callback_data": encode(CartAdd(item.id))}
                )
            rows.append(keep)
        return rows

    async def render(self, row: OutboxRow) -> tuple[str, dict[str, Any]]:
        """The Bot API call for one campaign row, with this fan's Buy link.

        Raises CardWithdrawn when nothing is left to advertise: the dispatcher drops the row.
        """
        card = await self._card(
            int(row.payload["campaign_id"]),
            row.language or DEFAULT_LANGUAGE,
            row.timezone or self.settings.default_timezone,
        )
        if card.withdrawn:
            raise CardWithdrawn(f"campaign {card.campaign.id} has nothing left to show")
        rows: list[list[Button]] = []
        if row.user_id is not None and card.campaign.kind != CampaignKind.ACCOUNT:
            rows += self._item_rows(card, row.user_id)
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
                        "text": card.labels["mute"],
                        "callback_data": encode(MuteToggle(card.expert.id)),
                    },
                    {
                        "text": card.labels["unfollow"],
                        "callback_data": encode(Unfollow(card.expert.id, "push")),
                    },
                ]
            )
        # Stored Bot API JSON, sent as it is by the dispatcher: PTB's Defaults do not apply.
        params: dict[str, Any] = {"parse_mode": "HTML", "reply_markup": {"inline_keyboard": rows}}
        if card.item is None or card.campaign.kind == CampaignKind.ACCOUNT:
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

    async def _carried(
        self, uow: Repositories, campaign_id: int
    ) -> tuple[Campaign, Expert, list[Item]] | None:
        """A campaign a digest carries, its expert and its listed items; None if withdrawn."""
        campaign = await uow.campaigns.get(campaign_id)
        expert = await uow.experts.get(campaign.expert_id) if campaign else None
        if campaign is None or expert is None or not expert.is_active:
            return None
        fetched = [await uow.items.get(x) for x in campaign.item_ids]
        return campaign, expert, [i for i in fetched if i is not None and i.available]

    async def render_digest(self, row: OutboxRow) -> tuple[str, dict[str, Any]]:
        """The daily digest: every campaign item a digest-mode fan was sent, one block each.

        Each item has its own Buy link, signed for this fan and its campaign; an item two
        campaigns carried is shown once. Past Telegram's limit the last blocks give way to an
        "and N more" line.
        """
        language = row.language or DEFAULT_LANGUAGE
        entries: list[dict[str, Any]] = []
        shown: set[int] = set()
        async with self.repos.unit_of_work() as uow:  # one snapshot of every campaign it carries
            carried = [
                await self._carried(uow, int(c)) for c in row.payload.get("campaign_ids", [])
            ]
        for campaign, expert, listed in (c for c in carried if c is not None):
            if campaign.item_ids and not listed:
                continue
            if not listed:  # an account recommendation
                entries.append({"expert": expert, "item": None, "url": None})
            for item in listed:
                if item.id in shown:
                    continue
                shown.add(item.id)
                url = None
                if row.user_id is not None and not item.sold_out:
                    url = buy_url(
                        self.settings,
                        item_id=item.id,
                        fan_id=row.user_id,
                        source="campaign",
                        campaign_id=campaign.id,
                    )
                entries.append({"expert": expert, "item": item, "url": url})
        text = self._fit_digest(language, entries)
        return "sendMessage", {"text": text, "parse_mode": "HTML", "disable_web_page_preview": True}

    def _fit_digest(self, language: str, entries: list[dict[str, Any]]) -> str:
        """The digest with as many blocks as fit in one message."""
        kept = len(entries)
        while True:
            try:
                return self.texts.render(
                    "campaign/digest", language, entries=entries[:kept], more=len(entries) - kept
                )
            except MessageTooLong as error:
                if kept == 0:
                    raise
                # Shrink in proportion to the overshoot (then by one), never below zero.
                kept = max(min(kept - 1, kept * error.limit // error.length), 0)
