"""The durable outbox: one row per message, written before it is sent, updated as it is sent.

Status machine: queued -> sending (claimed, the HTTP call may be in flight) -> sent | failed |
blocked; queued -> dropped (campaign cancelled); digest -> sent (folded into a fan's digest).
A row is only ever claimed from 'queued', so a message is sent twice only if its worker dies
between the HTTP call and the status write. A claim records the worker (`claimed_by`) and a lease
(`lease_until`) that the worker renews while it lives: `reclaim_expired` puts the rows of a worker
that stopped renewing back in the queue, and only the claiming worker may write a row's outcome.
With one process (SQLite), `requeue_in_flight` puts every 'sending' row back at start-up instead.
On PostgreSQL the claim skips rows another worker's claim has locked (`FOR UPDATE SKIP LOCKED`).

Events are not written separately: the outbox row *is* the delivery event (campaign, user,
status, sent_at). The campaign counters follow its status changes by trigger; an INSERT here
counts its new rows itself, in its transaction (storage/schema/counters.py says why).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.states import OutboxStatus
from storage.repositories.campaign_counters import count_new_outbox_rows
from storage.schema import UtcTimestamp, campaigns, outbox, users
from storage.unit_of_work import Database

TERMINAL = ("sent", "failed", "blocked", "dropped")
PENDING = ("queued", "sending")
# Campaign rows are held (not claimed) while their campaign is paused.
HELD_CAMPAIGN_STATUSES = ("paused",)


@dataclass(frozen=True)
class OutboxRow:
    """One claimed message, with what the dispatcher needs to send it."""

    id: int
    kind: str
    chat_id: int
    user_id: int | None
    campaign_id: int | None
    payload: Mapping[str, Any]
    attempts: int
    language: str | None
    timezone: str | None = None  # the recipient's, for the times a card shows


@dataclass(frozen=True)
class SendResult:
    """What happened to one send, written back in a batch."""

    row_id: int
    status: OutboxStatus  # sent | failed | blocked | dropped | queued (retry later)
    at: datetime
    telegram_message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    counts_attempt: bool = True


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


class OutboxRepository:
    """Reads and writes the outbox table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def enqueue(
        self,
        kind: str,
        chat_id: int,
        payload: Mapping[str, Any],
        dedup_key: str,
        *,
        user_id: int | None = None,
        campaign_id: int | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Write one message; False (and nothing written) when the dedup key already exists."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            statement = (
                dialect.insert(outbox)
                .values(
                    kind=kind,
                    chat_id=chat_id,
                    user_id=user_id,
                    campaign_id=campaign_id,
                    dedup_key=dedup_key,
                    payload=dict(payload),
                    status="queued",
                    attempts=0,
                    next_attempt_at=not_before or now,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["dedup_key"])
            )
            result = await conn.execute(statement)
            await count_new_outbox_rows(conn, int(result.rowcount))
        return result.rowcount == 1

    async def requeue_in_flight(self) -> int:
        """Put every row left in 'sending' back in the queue; return how many.

        Only for a process that is the outbox's one worker (SQLite): what is 'sending' at its
        start was left by its own crash. Where several workers share the outbox, a live one's rows
        are 'sending' too, so only `reclaim_expired` may take rows back.
        """
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(outbox)
                .where(outbox.c.status == "sending")
                .values(status="queued", claimed_by=None, lease_until=None)
            )
        return int(result.rowcount or 0)

    async def renew_leases(self, worker: str, row_ids: Sequence[int], until: datetime) -> int:
        """Extend to `until` the leases of the rows `worker` still holds among `row_ids` (those it
        is sending); return how many it holds."""
        if not row_ids:
            return 0
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(outbox)
                .where(
                    outbox.c.id.in_(list(row_ids)),
                    outbox.c.status == "sending",
                    outbox.c.claimed_by == worker,
                )
                .values(lease_until=until)
            )
        return int(result.rowcount or 0)

    async def reclaim_expired(self, now: datetime) -> int:
        """Return to the queue the 'sending' rows whose lease ended by `now` (their worker stopped
        renewing: killed, or cut off from the database); return how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(outbox)
                .where(
                    outbox.c.status == "sending",
                    # No lease: claimed before leases existed (an upgrade mid-send).
                    (outbox.c.lease_until.is_(None)) | (outbox.c.lease_until <= now),
                )
                .values(status="queued", claimed_by=None, lease_until=None)
            )
        return int(result.rowcount or 0)

    async def due(
        self, now: datetime, limit: int, *, skip_chats: Iterable[int] = ()
    ) -> list[OutboxRow]:
        """Up to `limit` rows due by `now`: notices first, then campaigns sharing what is left.

        Campaign rows come interleaved — one of each running campaign in turn, each campaign's
        oldest first — so a campaign started a second after another's million gets its share at
        once. Rows of paused campaigns and of `skip_chats` (a message in flight) are left.
        """
        busy = list(skip_chats)
        async with self._engine.connect() as conn:
            notices = await self._due_rows(conn, now, limit, None, busy)
            room = limit - len(notices)
            streams = await self._sending_campaigns(conn) if room > 0 else []
            if not streams:
                return notices
            # Each campaign may fill the whole room: one with nothing due (quiet hours) then
            # leaves its turns to the others instead of a gap in the batch.
            per_campaign = [
                await self._due_rows(conn, now, room, campaign_id, busy) for campaign_id in streams
            ]
        interleaved = [row for turn in itertools.zip_longest(*per_campaign) for row in turn if row]
        return notices + interleaved[:room]

    async def _due_rows(
        self,
        conn: AsyncConnection,
        now: datetime,
        limit: int,
        campaign_id: int | None,
        busy: list[int],
    ) -> list[OutboxRow]:
        """Due rows of one campaign (None: rows of no campaign), oldest first."""
        stream = (
            outbox.c.campaign_id.is_(None)
            if campaign_id is None
            else outbox.c.campaign_id == campaign_id
        )
        conditions = [outbox.c.status == "queued", stream, outbox.c.next_attempt_at <= _ts(now)]
        if busy:
            conditions.append(outbox.c.chat_id.not_in(busy))
        query = (
            select(outbox, users.c.language, users.c.timezone)
            .select_from(outbox.outerjoin(users, users.c.id == outbox.c.user_id))
            .where(and_(*conditions))
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        rows = (await conn.execute(query)).all()
        return [
            OutboxRow(
                id=r.id,
                kind=r.kind,
                chat_id=r.chat_id,
                user_id=r.user_id,
                campaign_id=r.campaign_id,
                payload=r.payload,
                attempts=r.attempts,
                language=r.language,
                timezone=r.timezone,
            )
            for r in rows
        ]

    async def _sending_campaigns(self, conn: AsyncConnection) -> list[int]:
        """Campaigns with queued rows, oldest first, except paused ones.

        A loose index scan on ix_outbox_stream_due: one index probe per campaign, however many
        rows each has queued.
        """
        queued = outbox.c.status == "queued"
        first = select(func.min(outbox.c.campaign_id)).where(
            queued, outbox.c.campaign_id.is_not(None)
        )
        found = select(first.scalar_subquery().label("campaign_id")).cte(
            "sending_campaigns", recursive=True
        )
        following = select(func.min(outbox.c.campaign_id)).where(
            queued, outbox.c.campaign_id > found.c.campaign_id
        )
        found = found.union_all(
            select(following.scalar_subquery()).where(found.c.campaign_id.is_not(None))
        )
        ids = [
            int(i)
            for i in (
                await conn.execute(
                    select(found.c.campaign_id).where(found.c.campaign_id.is_not(None))
                )
            ).scalars()
        ]
        if not ids:
            return []
        held = set(
            (
                await conn.execute(
                    select(campaigns.c.id).where(
                        campaigns.c.id.in_(ids), campaigns.c.status.in_(HELD_CAMPAIGN_STATUSES)
                    )
                )
            ).scalars()
        )
        return [i for i in ids if i not in held]

    async def claim(
        self, row_ids: Sequence[int], *, worker: str, lease_until: datetime
    ) -> set[int]:
        """Mark rows 'sending' for `worker` until `lease_until` (only those still queued); return
        the ids actually claimed. Another worker's claim of the same rows gets none of them."""
        if not row_ids:
            return set()
        wanted = outbox.c.id.in_(list(row_ids))
        async with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Rows another worker's claim has locked are skipped, not waited for.
                free = (
                    select(outbox.c.id)
                    .where(wanted, outbox.c.status == "queued")
                    .with_for_update(skip_locked=True)
                )
                wanted = outbox.c.id.in_(free.scalar_subquery())
            claimed = (
                await conn.execute(
                    update(outbox)
                    .where(wanted, outbox.c.status == "queued")
                    .values(status="sending", claimed_by=worker, lease_until=lease_until)
                    .returning(outbox.c.id)
                )
            ).scalars()
            return set(claimed)

    async def defer(self, row_ids: Sequence[int], until: datetime) -> None:
        """Push queued rows back to `until` (their chat is paced) without counting an attempt."""
        if not row_ids:
            return
        async with self._engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(row_ids)), outbox.c.status == "queued")
                .values(next_attempt_at=until)
            )

    async def record(self, results: Sequence[SendResult], *, worker: str) -> None:
        """Write a batch of `worker`'s send results in one transaction (one statement, many rows).

        Only rows `worker` still holds are written: one whose lease ran out and that another worker
        claimed again keeps that worker's outcome.
        """
        if not results:
            return
        statement = (
            update(outbox)
            .where(
                outbox.c.id == bindparam("row_id"),
                outbox.c.status == "sending",
                outbox.c.claimed_by == bindparam("worker"),
            )
            .values(
                status=bindparam("new_status"),
                lease_until=None,
                error=bindparam("new_error"),
                attempts=outbox.c.attempts + bindparam("attempt", type_=Integer),
                # NULL keeps the column: only a 'sent' sets these, only a retry moves the time.
                sent_at=func.coalesce(bindparam("sent", type_=UtcTimestamp), outbox.c.sent_at),
                telegram_message_id=func.coalesce(
                    bindparam("message_id", type_=BigInteger), outbox.c.telegram_message_id
                ),
                next_attempt_at=func.coalesce(
                    bindparam("retry_at", type_=UtcTimestamp), outbox.c.next_attempt_at
                ),
            )
        )
        rows = [
            {
                "row_id": r.row_id,
                "new_status": r.status,
                "new_error": r.error,
                "attempt": 1 if r.counts_attempt else 0,
                "sent": r.at if r.status == "sent" else None,
                "message_id": r.telegram_message_id if r.status == "sent" else None,
                "retry_at": r.retry_at,
                "worker": worker,
            }
            for r in results
        ]
        async with self._engine.begin() as conn:
            await conn.execute(statement, rows)

    async def drop_pending_for_chat(self, chat_id: int, *, status: str = "blocked") -> int:
        """A fan blocked the bot: their queued and digest rows become `status`; return how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(outbox)
                .where(outbox.c.chat_id == chat_id, outbox.c.status.in_(("queued", "digest")))
                .values(status=status, error="blocked by the user")
            )
        return int(result.rowcount or 0)

    async def pending_counts(self) -> dict[tuple[str, str], int]:
        """Rows waiting or in flight (queued, sending, digest), by (status, kind)."""
        query = (
            select(outbox.c.status, outbox.c.kind, func.count())
            .where(outbox.c.status.in_(("queued", "sending", "digest")))
            .group_by(outbox.c.status, outbox.c.kind)
        )
        async with self._engine.connect() as conn:
            return {(status, kind): int(n) for status, kind, n in await conn.execute(query)}

    async def next_due_at(self) -> datetime | None:
        """When the earliest queued row falls due (None if the queue is empty)."""
        async with self._engine.connect() as conn:
            value = (
                await conn.execute(
                    select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "queued")
                )
            ).scalar_one_or_none()
        if value is None or isinstance(value, datetime):
            return value  # min() keeps the column's UtcTimestamp type, so it is already a datetime
        return datetime.fromtimestamp(int(value), UTC)

    async def campaign_counts(
        self, campaign_id: int, now: datetime | None = None
    ) -> dict[str, int]:
        """Rows of a campaign by status; 'later' counts queued rows not yet due (quiet hours)."""
        moment = _ts(now or datetime.now(UTC))
        later = case(
            (and_(outbox.c.status == "queued", outbox.c.next_attempt_at > moment), "later"),
            else_=outbox.c.status,
        )
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(later.label("bucket"), func.count())
                    .where(outbox.c.campaign_id == campaign_id)
                    .group_by(later)
                )
            ).all()
        return {str(bucket): int(n) for bucket, n in rows}

    async def drop_campaign(self, campaign_id: int) -> int:
        """Cancel a campaign's unsent rows; return how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(outbox)
                .where(
                    outbox.c.campaign_id == campaign_id,
                    outbox.c.status.in_(("queued", "digest")),
                )
                .values(status="dropped", error="campaign cancelled")
            )
        return int(result.rowcount or 0)

    async def drop_campaigns(self, campaign_ids: Sequence[int], reason: str) -> int:
        """Drop the unsent (queued or digest) rows of these campaigns; return how many."""
        if not campaign_ids:
            return 0
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(outbox)
                .where(
                    outbox.c.campaign_id.in_(list(campaign_ids)),
                    outbox.c.status.in_(("queued", "digest")),
                )
                .values(status="dropped", error=reason[:500])
            )
        return int(result.rowcount or 0)

    async def status_of(self, dedup_key: str) -> str | None:
        """The status of the row with this dedup key, if any."""
        async with self._engine.connect() as conn:
            return (
                await conn.execute(select(outbox.c.status).where(outbox.c.dedup_key == dedup_key))
            ).scalar_one_or_none()

    async def due_digest_rows(self, now: datetime) -> list[tuple[int, int, int | None, int | None]]:
        """(row id, user id, campaign id, chat id) of digest rows whose digest time has come."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(outbox.c.id, outbox.c.user_id, outbox.c.campaign_id, outbox.c.chat_id)
                    .where(outbox.c.status == "digest", outbox.c.next_attempt_at <= _ts(now))
                    .order_by(outbox.c.user_id, outbox.c.id)
                )
            ).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def fold_into_digest(
        self, row_ids: Sequence[int], digest_row: Mapping[str, Any], now: datetime
    ) -> bool:
        """Enqueue one digest message and mark the rows it carries as sent, atomically."""
        async with self._engine.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            inserted = await conn.execute(
                dialect.insert(outbox)
                .values(
                    status="queued", attempts=0, next_attempt_at=now, created_at=now, **digest_row
                )
                .on_conflict_do_nothing(index_elements=["dedup_key"])
            )
            await count_new_outbox_rows(conn, int(inserted.rowcount))
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(row_ids)), outbox.c.status == "digest")
                .values(status="sent", sent_at=now, error="in digest")
            )
        return inserted.rowcount == 1

    async def all_rows(self, campaign_id: int | None = None) -> list[dict[str, Any]]:
        """Every row (of one campaign), for reports and tests."""
        query = select(outbox).order_by(outbox.c.id)
        if campaign_id is not None:
            query = query.where(outbox.c.campaign_id == campaign_id)
        async with self._engine.connect() as conn:
            return [dict(r._mapping) for r in (await conn.execute(query)).all()]
