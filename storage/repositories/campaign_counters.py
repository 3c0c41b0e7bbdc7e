"""Reading and rebuilding the campaign counters (storage/schema/counters.py says what they are).

`REBUILD` recomputes every counter from the raw rows: revision 0007 backfills with it, seeds that
write rows behind the triggers' back (bench) finish with it, and tests compare it with what the
triggers kept. `count_new_outbox_rows` is the outbox's INSERT half, called in the inserting
transaction. Counters exist only on SQLite (`counted`); elsewhere the report counts raw rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema.counters import CLICKS, EVENT_COUNTERS, ORDERS, SENDS

_ATTRIBUTED = "FROM orders o JOIN campaigns c ON c.id = o.campaign_id AND c.expert_id = o.expert_id"
_EVENT_NAME = "CASE " + " ".join(f"WHEN kind = '{k}' THEN '{v}'" for k, v in EVENT_COUNTERS.items())
_INTO = "INSERT INTO campaign_counters (campaign_id, name, n) "
_INTO_TIMELINE = "INSERT INTO campaign_timeline (campaign_id, series, minute, n) "

REBUILD = [
    "DELETE FROM campaign_counters",
    "DELETE FROM campaign_timeline",
    _INTO + "SELECT campaign_id, 'outbox:' || status, count(*) FROM outbox"
    " WHERE campaign_id IS NOT NULL GROUP BY campaign_id, status",
    _INTO + "SELECT campaign_id, 'clicks', count(*) FROM clicks"
    " WHERE campaign_id IS NOT NULL GROUP BY campaign_id",
    _INTO + "SELECT campaign_id, 'unique_clicks',"
    " count(DISTINCT fan_id) + sum(CASE WHEN fan_id IS NULL THEN 1 ELSE 0 END) FROM clicks"
    " WHERE campaign_id IS NOT NULL GROUP BY campaign_id",
    _INTO + f"SELECT campaign_id, {_EVENT_NAME} END, count(*) FROM events"
    f" WHERE campaign_id IS NOT NULL AND kind IN ({', '.join(repr(k) for k in EVENT_COUNTERS)})"
    " GROUP BY campaign_id, kind",
    _INTO + "SELECT campaign_id, 'new_followers', count(DISTINCT user_id) FROM events"
    " WHERE campaign_id IS NOT NULL AND kind = 'follow' AND user_id IS NOT NULL"
    " GROUP BY campaign_id",
    _INTO + f"SELECT o.campaign_id, 'orders', count(*) {_ATTRIBUTED} GROUP BY o.campaign_id",
    _INTO + "SELECT o.campaign_id, o.status || '_orders', count(*) "
    f"{_ATTRIBUTED} WHERE o.status IN ('paid', 'refunded', 'cancelled')"
    " GROUP BY o.campaign_id, o.status",
    _INTO + f"SELECT o.campaign_id, 'gross_fen', sum(o.amount_fen) {_ATTRIBUTED}"
    " WHERE o.status IN ('paid', 'refunded') GROUP BY o.campaign_id",
    _INTO + "SELECT o.campaign_id, o.status || '_fen', sum(o.amount_fen) "
    f"{_ATTRIBUTED} WHERE o.status IN ('paid', 'refunded') GROUP BY o.campaign_id, o.status",
    _INTO + "SELECT o.campaign_id, 'commission_fen', sum(k.amount_fen) FROM commissions k"
    " JOIN orders o ON o.id = k.order_id"
    " JOIN campaigns c ON c.id = o.campaign_id AND c.expert_id = o.expert_id"
    " WHERE k.expert_id = c.expert_id AND k.status <> 'cancelled' GROUP BY o.campaign_id",
    _INTO_TIMELINE + f"SELECT campaign_id, {SENDS}, sent_at / 60, count(*) FROM outbox"
    " WHERE campaign_id IS NOT NULL AND status = 'sent' AND sent_at IS NOT NULL"
    " GROUP BY campaign_id, sent_at / 60",
    _INTO_TIMELINE + f"SELECT campaign_id, {CLICKS}, created_at / 60, count(*) FROM clicks"
    " WHERE campaign_id IS NOT NULL GROUP BY campaign_id, created_at / 60",
    _INTO_TIMELINE + f"SELECT o.campaign_id, {ORDERS}, o.occurred_at / 60, count(*) "
    f"{_ATTRIBUTED} GROUP BY o.campaign_id, o.occurred_at / 60",
]

# The rows one INSERT just added to the outbox are its highest ids: SQLite gives a new row the
# largest rowid plus one, and the inserting transaction holds the write lock.
_NEWEST = "(SELECT campaign_id, status, sent_at FROM outbox ORDER BY id DESC LIMIT :n)"
_NEW_OUTBOX_STATUSES = (
    f"SELECT campaign_id, status, count(*) FROM {_NEWEST} WHERE campaign_id IS NOT NULL"
    " GROUP BY campaign_id, status"
)
_ADD_COUNTER = (
    _INTO + "VALUES (:campaign_id, :name, :n)"
    " ON CONFLICT (campaign_id, name) DO UPDATE SET n = n + excluded.n"
)
_NEW_OUTBOX_SENDS = (
    _INTO_TIMELINE + f"SELECT campaign_id, {SENDS}, sent_at / 60, count(*) FROM {_NEWEST}"
    " WHERE campaign_id IS NOT NULL AND status = 'sent' AND sent_at IS NOT NULL"
    " GROUP BY campaign_id, sent_at / 60"
    " ON CONFLICT (campaign_id, series, minute) DO UPDATE SET n = n + excluded.n"
)


def counted(conn: AsyncConnection) -> bool:
    """True when this database keeps the counters (SQLite, with the 0007 triggers)."""
    return conn.dialect.name == "sqlite"


async def count_new_outbox_rows(conn: AsyncConnection, inserted: int) -> None:
    """Count the `inserted` rows the last INSERT on this connection added to the outbox.

    One grouped read of those rows; the timeline is read again only if one was inserted 'sent'
    (a fan-out's rows never are: its chunks pay one read each).
    """
    if inserted <= 0 or not counted(conn):
        return
    groups = (await conn.execute(text(_NEW_OUTBOX_STATUSES), {"n": inserted})).all()
    if not groups:
        return
    await conn.execute(
        text(_ADD_COUNTER),
        [{"campaign_id": c, "name": f"outbox:{status}", "n": n} for c, status, n in groups],
    )
    if any(status == "sent" for _c, status, _n in groups):
        await conn.execute(text(_NEW_OUTBOX_SENDS), {"n": inserted})


async def rebuild(conn: AsyncConnection) -> None:
    """Recompute every counter from the raw rows (in the caller's transaction)."""
    for statement in REBUILD:
        await conn.execute(text(statement))


async def counters_of(conn: AsyncConnection, campaign_id: int) -> dict[str, int]:
    """Every counter of one campaign by name (a missing name is 0)."""
    rows = await conn.execute(
        text("SELECT name, n FROM campaign_counters WHERE campaign_id = :c"), {"c": campaign_id}
    )
    return {str(name): int(n) for name, n in rows.all()}


async def timeline_of(
    conn: AsyncConnection, campaign_id: int, interval_seconds: int
) -> dict[int, tuple[int, int, int]]:
    """Interval number -> (sends, clicks, orders), only intervals where something happened."""
    if interval_seconds % 60:
        raise ValueError("the timeline is kept per minute: intervals are whole minutes")
    rows = await conn.execute(
        text(
            "SELECT minute * 60 / :interval AS bucket, series, sum(n) FROM campaign_timeline"
            " WHERE campaign_id = :c GROUP BY bucket, series HAVING sum(n) <> 0"
        ),
        {"c": campaign_id, "interval": interval_seconds},
    )
    buckets: dict[int, list[int]] = {}
    for bucket, series, n in rows.all():
        buckets.setdefault(int(bucket), [0, 0, 0])[int(series)] = int(n)
    return {k: (v[0], v[1], v[2]) for k, v in buckets.items()}


def table_snapshot(rows: Any) -> dict[tuple[Any, ...], int]:
    """Non-zero rows of a counters table as {key: n} (tests compare kept with rebuilt)."""
    return {tuple(r[:-1]): int(r[-1]) for r in rows if int(r[-1]) != 0}
