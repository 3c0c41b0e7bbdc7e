"""Items in experts' windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import items, merchants


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

    @property
    def sold_out(self) -> bool:
        """No stock left."""
        return self.stock <= 0

    @property
    def available(self) -> bool:
        """Listed (neither delisted nor suspended)."""
        return self.status == "listed"


_COLUMNS = (items, merchants.c.name.label("merchant_name"))


def _to_item(row: object) -> Item:
    r = row._mapping  # type: ignore[attr-defined]
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
    )


def _select():  # type: ignore[no-untyped-def]
    return select(*_COLUMNS).select_from(
        items.outerjoin(merchants, merchants.c.id == items.c.merchant_id)
    )


class ItemRepository:
    """Reads and writes the items table."""

    def __init__(self, engine: AsyncEngine) -> None:
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
            item_id = result.inserted_primary_key[0]  # type: ignore[index]
            row = (await conn.execute(_select().where(items.c.id == item_id))).one()
        return _to_item(row)

    async def get(self, item_id: int) -> Item | None:
        """The item with this id, whatever its status."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(_select().where(items.c.id == item_id))).first()
        return None if row is None else _to_item(row)

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
                    _select()
                    .where(where)
                    .order_by(pinned.desc(), items.c.position, items.c.id)
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return [_to_item(r) for r in rows], int(total)

    async def remember_photo(self, item_id: int, file_id: str) -> None:
        """Keep Telegram's file id after the first upload so the photo is never re-uploaded."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(items).where(items.c.id == item_id).values(photo_file_id=file_id)
            )
