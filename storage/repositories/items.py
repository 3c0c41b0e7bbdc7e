"""Items in experts' windows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, func, insert, select, update

from storage.schema import items, merchants
from storage.unit_of_work import Database


@dataclass(frozen=True)
class Item:
    """One recommended product as a fan sees it."""

    id: int
    expert_id: int
    merchant_id: int | None
    merchant_name: str | None
    partner_key: str
    partner_item_id: str
    canonical_url: str
    title: str
    reason: str
    price_fen: int
    stock: int
    photo_file_id: str | None
    photo_path: str | None
    tags: tuple[str, ...]
    status: str
    pinned_until: datetime | None
    created_at: datetime
    position: int = 0
    merchant_status: str | None = None  # of the linked merchant: verified, or suspended since

    @property
    def sold_out(self) -> bool:
        """No stock left."""
        return self.stock <= 0

    def pinned_at(self, now: datetime) -> bool:
        """Whether the item holds the headline slot at `now`."""
        return self.pinned_until is not None and self.pinned_until > now

    @property
    def available(self) -> bool:
        """Listed (neither delisted nor suspended)."""
        return self.status == "listed"


_COLUMNS = (
    items,
    merchants.c.name.label("merchant_name"),
    merchants.c.status.label("merchant_status"),
)


def row_to_item(row: Row[Any]) -> Item:
    """An Item from a row of `select_items()` (items with their merchant's name and status)."""
    r = row._mapping
    return Item(
        id=r["id"],
        expert_id=r["expert_id"],
        merchant_id=r["merchant_id"],
        merchant_name=r["merchant_name"],
        partner_key=r["partner_key"],
        partner_item_id=r["partner_item_id"],
        canonical_url=r["canonical_url"],
        title=r["title"],
        reason=r["reason"],
        price_fen=r["price_fen"],
        stock=r["stock"],
        photo_file_id=r["photo_file_id"],
        photo_path=r["photo_path"],
        tags=tuple(r["tags"] or ()),
        status=r["status"],
        pinned_until=r["pinned_until"],
        created_at=r["created_at"],
        position=r["position"],
        merchant_status=r["merchant_status"],
    )


def select_items() -> Select[Any]:
    """Items joined with their merchant's name and status (None for a shop not registered)."""
    return select(*_COLUMNS).select_from(
        items.outerjoin(merchants, merchants.c.id == items.c.merchant_id)
    )


class ItemRepository:
    """Reads and writes the items table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        expert_id: int,
        partner_key: str,
        partner_item_id: str,
        canonical_url: str,
        title: str,
        reason: str,
        price_fen: int,
        stock: int,
        merchant_id: int | None = None,
        shop_id: str | None = None,
        photo_file_id: str | None = None,
        photo_path: str | None = None,
        tags: list[str] | None = None,
    ) -> Item:
        """Publish an item at the end of the expert's window."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            position = (
                await conn.execute(
                    select(func.coalesce(func.max(items.c.position), 0)).where(
                        items.c.expert_id == expert_id
                    )
                )
            ).scalar_one()
            result = await conn.execute(
                insert(items).values(
                    expert_id=expert_id,
                    merchant_id=merchant_id,
                    partner_key=partner_key,
                    partner_item_id=partner_item_id,
                    shop_id=shop_id,
                    canonical_url=canonical_url,
                    title=title,
                    reason=reason,
                    price_fen=price_fen,
                    stock=stock,
                    photo_file_id=photo_file_id,
                    photo_path=photo_path,
                    tags=tags or [],
                    position=position + 1,
                    created_at=now,
                    updated_at=now,
                )
            )
            key = result.inserted_primary_key
            if key is None:  # every dialect we run on reports the new row's key
                raise RuntimeError("the insert reported no primary key")
            item_id = key[0]
            row = (await conn.execute(select_items().where(items.c.id == item_id))).one()
        return row_to_item(row)

    async def get(self, item_id: int) -> Item | None:
        """The item with this id, whatever its status."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select_items().where(items.c.id == item_id))).first()
        return None if row is None else row_to_item(row)

    async def window(self, expert_id: int, *, offset: int, limit: int) -> tuple[list[Item], int]:
        """A page of an expert's listed items (pinned first, then by position) and the total."""
        now = datetime.now(UTC)
        pinned = items.c.pinned_until.is_not(None) & (items.c.pinned_until > int(now.timestamp()))
        where = (items.c.expert_id == expert_id) & (items.c.status == "listed")
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(items).where(where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select_items()
                    .where(where)
                    .order_by(pinned.desc(), items.c.position, items.c.id)
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [row_to_item(r) for r in rows], int(total)

    async def remember_photo(self, item_id: int, file_id: str) -> None:
        """Keep Telegram's file id after the first upload so the photo is never re-uploaded."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(items).where(items.c.id == item_id).values(photo_file_id=file_id)
            )

    async def of_expert(
        self, expert_id: int, *, offset: int = 0, limit: int = 10
    ) -> tuple[list[Item], int]:
        """A page of all the expert's own items (listed, delisted, suspended) in window order."""
        where = items.c.expert_id == expert_id
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(items).where(where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select_items()
                    .where(where)
                    .order_by(items.c.position, items.c.id)
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [row_to_item(r) for r in rows], int(total)

    async def update_fields(self, item_id: int, **values: object) -> Item:
        """Change editable fields (title, reason, price_fen, stock) and return the item."""
        allowed = {"title", "reason", "price_fen", "stock"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        changes: dict[str, object] = {**values, "updated_at": datetime.now(UTC)}
        if "stock" in values:
            changes["low_stock_warned"] = False  # a restock re-arms the low-stock warning
        async with self._engine.begin() as conn:
            await conn.execute(update(items).where(items.c.id == item_id).values(**changes))
            row = (await conn.execute(select_items().where(items.c.id == item_id))).one()
        return row_to_item(row)

    async def set_status(
        self, item_id: int, status: str, *, only_from: tuple[str, ...] = ()
    ) -> bool:
        """Set listed/delisted/suspended; with `only_from`, only when the status is one of those."""
        where = items.c.id == item_id
        if only_from:
            where = where & items.c.status.in_(only_from)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(items).where(where).values(status=status, updated_at=datetime.now(UTC))
            )
        return result.rowcount == 1

    async def move(self, item_id: int, direction: int) -> bool:
        """Swap the item with its neighbour in the window (-1 up, +1 down); False at an end."""
        async with self._engine.begin() as conn:
            me = (
                await conn.execute(
                    select(items.c.id, items.c.expert_id, items.c.position).where(
                        items.c.id == item_id
                    )
                )
            ).first()
            if me is None:
                return False
            siblings = (
                await conn.execute(
                    select(items.c.id, items.c.position)
                    .where(items.c.expert_id == me.expert_id)
                    .order_by(items.c.position, items.c.id)
                )
            ).all()
            order = [row.id for row in siblings]
            index = order.index(item_id)
            other = index + (1 if direction > 0 else -1)
            if not 0 <= other < len(order):
                return False
            order[index], order[other] = order[other], order[index]
            # Renumber the whole window: positions stay dense even after old ties.
            for position, sibling_id in enumerate(order, start=1):
                await conn.execute(
                    update(items).where(items.c.id == sibling_id).values(position=position)
                )
        return True

    async def pin(self, item_id: int, until: datetime | None) -> None:
        """Give the item the headline slot until `until` (None unpins); one pin per expert."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            if until is not None:
                expert_id = (
                    await conn.execute(select(items.c.expert_id).where(items.c.id == item_id))
                ).scalar_one()
                await conn.execute(
                    update(items)
                    .where(items.c.expert_id == expert_id, items.c.pinned_until.is_not(None))
                    .values(pinned_until=None, updated_at=now)
                )
            await conn.execute(
                update(items)
                .where(items.c.id == item_id)
                .values(pinned_until=until, updated_at=now)
            )

    async def set_pinned_until(self, item_id: int, until: datetime) -> None:
        """A headline campaign: the item leads feeds and the window until `until`."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(items).where(items.c.id == item_id).values(pinned_until=until)
            )

    async def set_presale_opening(self, item_id: int, opens_at: datetime) -> None:
        """A pre-sale: the item opens at `opens_at` (fans may reserve until then)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(items).where(items.c.id == item_id).values(presale_opens_at=opens_at)
            )

    async def with_status_among(self, item_ids: Sequence[int], status: str) -> set[int]:
        """Which of `item_ids` have `status` right now."""
        if not item_ids:
            return set()
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(items.c.id).where(items.c.id.in_(list(item_ids)), items.c.status == status)
            )
            return set(found.scalars())
