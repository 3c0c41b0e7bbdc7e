"""The audit log: who did what to which expert, merchant, item or report, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, Row, func, insert, select

from storage.schema import audit_log
from storage.unit_of_work import Database


@dataclass(frozen=True)
class AuditEntry:
    """One recorded action."""

    id: int
    actor_id: int | None
    action: str
    target_kind: str
    target_id: int | None
    detail: dict[str, Any]
    at: datetime


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT wrote (each table here has one integer key)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the insert returned no primary key")
    return int(key[0])


class AuditRepository:
    """Appends to and reads the audit_log table (entries are never changed)."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def record(
        self,
        actor_id: int | None,
        action: str,
        target_kind: str,
        target_id: int | None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one entry and return its id."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(audit_log).values(
                    actor_id=actor_id,
                    action=action,
                    target_kind=target_kind,
                    target_id=target_id,
                    detail=detail or {},
                    at=datetime.now(UTC),
                )
            )
        return inserted_id(result)

    async def for_target(self, target_kind: str, target_id: int) -> list[AuditEntry]:
        """Every entry about one target, oldest first."""
        query = (
            select(audit_log)
            .where(audit_log.c.target_kind == target_kind, audit_log.c.target_id == target_id)
            .order_by(audit_log.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_to_entry(row) for row in rows]

    async def page(
        self,
        *,
        target_kind: str | None = None,
        target_id: int | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> tuple[list[AuditEntry], int]:
        """(entries newest first from `offset`, how many there are), optionally about one target."""
        where = []
        if target_kind is not None:
            where = [audit_log.c.target_kind == target_kind, audit_log.c.target_id == target_id]
        async with self._engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(audit_log).where(*where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(audit_log)
                    .where(*where)
                    .order_by(audit_log.c.id.desc())
                    .offset(max(offset, 0))
                    .limit(limit)
                )
            ).all()
        return [_to_entry(row) for row in rows], int(total)

    async def latest(
        self, target_kind: str, target_id: int, actions: tuple[str, ...]
    ) -> AuditEntry | None:
        """The newest entry about one target with one of `actions` (e.g. its last suspension)."""
        query = (
            select(audit_log)
            .where(
                audit_log.c.target_kind == target_kind,
                audit_log.c.target_id == target_id,
                audit_log.c.action.in_(actions),
            )
            .order_by(audit_log.c.id.desc())
            .limit(1)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _to_entry(row)

    async def recent(self, limit: int = 20) -> list[AuditEntry]:
        """The newest entries, newest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))
            ).all()
        return [_to_entry(row) for row in rows]


def _to_entry(row: Row[Any]) -> AuditEntry:
    r = row._mapping
    return AuditEntry(
        id=r["id"],
        actor_id=r["actor_id"],
        action=r["action"],
        target_kind=r["target_kind"],
        target_id=r["target_id"],
        detail=dict(r["detail"] or {}),
        at=r["at"],
    )
