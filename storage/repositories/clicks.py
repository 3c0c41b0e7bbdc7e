"""Clicks through /go: who followed which Buy link, from where, with which click id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, func, insert, or_, select

from bot.domain.tokens import CLICK_ID_CHARS
from storage.repositories.experts import Expert
from storage.repositories.items import Item, row_to_item, select_items
from storage.schema import campaigns, clicks, experts, items, users
from storage.unit_of_work import Database

USER_AGENT_CHARS = 256
# Above every character a click id may hold ([A-Za-z0-9_-]): `tag <= id < tag + TAG_END` is the
# primary-key range of the ids that start with `tag` (a LIKE prefix would scan the table).
TAG_END = "~"
EXPERT = "expert__"  # label prefix of the expert's columns beside the item's in one row


@dataclass(frozen=True)
class ClickRequest:
    """A visit of a Buy link to record: its click is the link's recent one, or a new one."""

    link_tag: str  # hex digits derived from the link: the prefix of all its clicks' ids
    click_id: str  # the random rest of a new click's id
    item_id: int
    expert_id: int
    source: str
    fan_id: int | None
    campaign_id: int | None
    sharer_id: int | None
    user_agent: str | None
    at: datetime


@dataclass(frozen=True)
class BuyPage:
    """What the intermediate page shows: the item, its expert, the fan's stored language."""

    item: Item
    expert: Expert
    fan_language: str | None  # None when the link names no fan, or one who is gone


@dataclass(frozen=True)
class Visit:
    """A recorded visit: its click, and the stored language of the fan its link names."""

    click: Click
    fan_language: str | None  # None when the link names no fan, or one who is gone


@dataclass(frozen=True)
class Click:
    """One visit of the intermediate page; `id` is the attribution id handed to the partner."""

    id: str
    item_id: int
    fan_id: int | None
    expert_id: int
    source: str
    campaign_id: int | None
    sharer_id: int | None
    created_at: datetime


def _to_click(row: Row[Any]) -> Click:
    r = row._mapping
    return Click(
        id=r["id"],
        item_id=r["item_id"],
        fan_id=r["fan_id"],
        expert_id=r["expert_id"],
        source=r["source"],
        campaign_id=r["campaign_id"],
        sharer_id=r["sharer_id"],
        created_at=r["created_at"],
    )


def _tag_of(click_id: str, tags: Sequence[str]) -> str:
    """The longest of `tags` that `click_id` starts with (the range query found only such ids)."""
    return max((tag for tag in tags if click_id.startswith(tag)), key=len)


class ClickRepository:
    """Records and reads clicks."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def record(
        self,
        *,
        click_id: str,
        item_id: int,
        expert_id: int,
        source: str,
        fan_id: int | None,
        campaign_id: int | None,
        sharer_id: int | None,
        user_agent: str | None,
        at: datetime | None = None,
    ) -> Click:
        """Store a click; references to people or campaigns that no longer exist are dropped."""
        created = at or datetime.now(UTC)
        async with self._engine.begin() as conn:
            # Tokens live 30 days: their fan, sharer or campaign may have been deleted since.
            known_users = set(
                (
                    await conn.execute(
                        select(users.c.id).where(
                            users.c.id.in_([i for i in (fan_id, sharer_id) if i is not None])
                        )
                    )
                ).scalars()
            )
            stored_fan = fan_id if fan_id in known_users else None
            stored_sharer = sharer_id if sharer_id in known_users else None
            if campaign_id is not None:
                found = await conn.execute(
                    select(campaigns.c.id).where(campaigns.c.id == campaign_id)
                )
                if found.first() is None:
                    campaign_id = None
            values = {
                "id": click_id,
                "item_id": item_id,
                "fan_id": stored_fan,
                "expert_id": expert_id,
                "source": source[:16],
                "campaign_id": campaign_id,
                "sharer_id": stored_sharer,
                "user_agent": (user_agent or "")[:USER_AGENT_CHARS] or None,
                "created_at": created,
            }
            await conn.execute(insert(clicks).values(**values))
        return Click(
            id=click_id,
            item_id=item_id,
            fan_id=stored_fan,
            expert_id=expert_id,
            source=source[:16],
            campaign_id=campaign_id,
            sharer_id=stored_sharer,
            created_at=created,
        )

    async def record_once(
        self,
        *,
        link_tag: str,
        click_id: str,
        reuse_for: timedelta,
        item_id: int,
        expert_id: int,
        source: str,
        fan_id: int | None,
        campaign_id: int | None,
        sharer_id: int | None,
        user_agent: str | None,
        at: datetime | None = None,
    ) -> Click:
        """The click of this Buy link within `reuse_for`, or a new one whose id starts with it.

        `link_tag` (hex digits, derived from the link) prefixes the id of every click of
        that link, so a reload is found without a column of its own; `click_id` is the rest.
        One visit alone: the /go route batches visits through bot/attribution/click_log.py.
        """
        request = ClickRequest(
            link_tag=link_tag,
            click_id=click_id,
            item_id=item_id,
            expert_id=expert_id,
            source=source,
            fan_id=fan_id,
            campaign_id=campaign_id,
            sharer_id=sharer_id,
            user_agent=user_agent,
            at=at or datetime.now(UTC),
        )
        (click,) = await self.record_batch([request], reuse_for=reuse_for)
        return click

    async def buy_page(self, item_id: int, fan_id: int | None) -> BuyPage | None:
        """The item, its expert and the fan's language, in one statement (the /go hot path)."""
        fan = users.alias("fan")
        statement = (
            select_items()
            .add_columns(
                *(column.label(EXPERT + column.name) for column in experts.c),
                fan.c.language.label("fan_language"),
            )
            .join(experts, experts.c.id == items.c.expert_id)
            .outerjoin(fan, fan.c.id == (fan_id or 0))
            .where(items.c.id == item_id)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            return None
        r = row._mapping
        expert = Expert(
            id=r[EXPERT + "id"],
            user_id=r[EXPERT + "user_id"],
            handle=r[EXPERT + "handle"],
            display_name=r[EXPERT + "display_name"],
            vertical=r[EXPERT + "vertical"],
            tags=tuple(r[EXPERT + "tags"] or ()),
            bio=r[EXPERT + "bio"],
            status=r[EXPERT + "status"],
            verified_at=r[EXPERT + "verified_at"],
            reject_reason=r[EXPERT + "reject_reason"],
        )
        return BuyPage(row_to_item(row), expert, r["fan_language"])

    async def record_batch(
        self, requests: Sequence[ClickRequest], *, reuse_for: timedelta
    ) -> list[Click]:
        """Each request's click, in order, all written in the caller's one transaction."""
        return [visit.click for visit in await self.record_visits(requests, reuse_for=reuse_for)]

    async def record_visits(
        self, requests: Sequence[ClickRequest], *, reuse_for: timedelta
    ) -> list[Visit]:
        """Each request's visit, in order, all written in the caller's one transaction.

        A request whose link was opened within `reuse_for` (earlier in the table or earlier in
        this batch) gets that click; the others get a new click whose id is the link's tag plus
        their random part. References to people or campaigns that no longer exist are dropped
        (Buy links live 30 days). The statement that checks the people also reads the fans'
        stored languages, so the page needs no read of its own. The whole batch costs four
        statements, whatever its size.
        """
        for request in requests:
            if not request.link_tag or not request.link_tag.isalnum():
                raise ValueError("link_tag must be non-empty letters and digits")
        if not requests:
            return []
        tags = sorted({request.link_tag for request in requests})
        oldest = min(request.at for request in requests) - reuse_for
        people = {r.fan_id for r in requests} | {r.sharer_id for r in requests}
        wanted_campaigns = {r.campaign_id for r in requests if r.campaign_id is not None}
        async with self._engine.begin() as conn:
            recent = (
                await conn.execute(
                    select(clicks)
                    .where(
                        or_(*(and_(clicks.c.id >= t, clicks.c.id < t + TAG_END) for t in tags)),
                        clicks.c.created_at >= int(oldest.timestamp()),
                    )
                    .order_by(clicks.c.created_at)
                )
            ).all()
            languages: dict[int, str | None] = {
                row.id: row.language
                for row in await conn.execute(
                    select(users.c.id, users.c.language).where(
                        users.c.id.in_([i for i in people if i])
                    )
                )
            }
            known_users = languages.keys()
            known_campaigns = set(
                (
                    await conn.execute(
                        select(campaigns.c.id).where(campaigns.c.id.in_(wanted_campaigns))
                    )
                ).scalars()
                if wanted_campaigns
                else ()
            )
            latest: dict[tuple[str, int], Click] = {}
            for row in recent:  # oldest first: the newest click of each link and item wins
                click = _to_click(row)
                latest[(_tag_of(click.id, tags), click.item_id)] = click
            results: list[Visit] = []
            new_rows: list[dict[str, object]] = []
            for request in requests:
                key = (request.link_tag, request.item_id)
                found = latest.get(key)
                language = languages.get(request.fan_id) if request.fan_id else None
                if found is not None and found.created_at >= request.at - reuse_for:
                    results.append(Visit(found, language))
                    continue
                click = Click(
                    id=(request.link_tag + request.click_id)[:CLICK_ID_CHARS],
                    item_id=request.item_id,
                    fan_id=request.fan_id if request.fan_id in known_users else None,
                    expert_id=request.expert_id,
                    source=request.source[:16],
                    campaign_id=request.campaign_id
                    if request.campaign_id in known_campaigns
                    else None,
                    sharer_id=request.sharer_id if request.sharer_id in known_users else None,
                    created_at=request.at,
                )
                new_rows.append(
                    {
                        "id": click.id,
                        "item_id": click.item_id,
                        "fan_id": click.fan_id,
                        "expert_id": click.expert_id,
                        "source": click.source,
                        "campaign_id": click.campaign_id,
                        "sharer_id": click.sharer_id,
                        "user_agent": (request.user_agent or "")[:USER_AGENT_CHARS] or None,
                        "created_at": click.created_at,
                    }
                )
                latest[key] = click
                results.append(Visit(click, language))
            if new_rows:
                await conn.execute(insert(clicks), new_rows)
        return results

    async def get(self, click_id: str) -> Click | None:
        """The click with this id, if any."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(clicks).where(clicks.c.id == click_id))).first()
        return None if row is None else _to_click(row)

    async def count(self) -> int:
        """How many clicks are stored (for tests and reports)."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(clicks))).scalar_one())
