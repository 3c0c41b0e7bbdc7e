"""The campaign report's pre-aggregates: counters and per-minute timeline rows per campaign.

`/stats <campaign>` reads a handful of rows here instead of counting a million events. On SQLite
the counters are kept by triggers, so they move in the very transaction (and statement) that
writes an event, click, order, commission or outbox status, whoever writes it; the one exception
is an INSERT into the outbox, which the repositories count themselves (`count_new_outbox_rows`)
because a per-row trigger would double the cost of planning a million-fan campaign. On other
databases no trigger is installed and the report counts the raw rows
(storage/repositories/analytics_raw.py).

What each counter is, exactly as the raw report counts it:
- `outbox:<status>`: outbox rows of the campaign with that status;
- `clicks`, `unique_clicks`: its clicks, and distinct fans among them (a click with no fan counts
  once by itself); `favourites`, `cart_adds`, `card_opens`: its events of that kind;
  `new_followers`: distinct people with a `follow` event of the campaign;
- `orders`, `paid_orders`, `refunded_orders`, `cancelled_orders`, `gross_fen` (paid or refunded),
  `refunded_fen`, `paid_fen`: orders with the campaign's id *and* its expert's;
- `commission_fen`: non-cancelled commission rows of the expert on those orders.
Timeline series (per whole minute of Unix time): 0 sends (status 'sent' with a sent_at),
1 clicks (created_at), 2 orders (occurred_at), so every report interval (a multiple of 60 s) is a
sum of minutes. The trigger text below is part of revision 0007: change it with a new migration.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, String, Table, event, text

from storage.schema.base import metadata

campaign_counters = Table(
    "campaign_counters",
    metadata,
    Column("campaign_id", Integer, primary_key=True),
    Column("name", String(24), primary_key=True),
    Column("n", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

campaign_timeline = Table(
    "campaign_timeline",
    metadata,
    Column("campaign_id", Integer, primary_key=True),
    Column("series", Integer, primary_key=True),
    Column("minute", BigInteger, primary_key=True),
    Column("n", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

SENDS, CLICKS, ORDERS = 0, 1, 2
EVENT_COUNTERS = {"favourite": "favourites", "cart_add": "cart_adds", "card_open": "card_opens"}


def _bump(cond: str, campaign: str, name: str, delta: str) -> str:
    return (
        f"INSERT INTO campaign_counters (campaign_id, name, n) SELECT {campaign}, {name}, {delta}"
        f" WHERE {cond} ON CONFLICT (campaign_id, name) DO UPDATE SET n = n + excluded.n;"
    )


def _tick(cond: str, campaign: str, series: int, at: str, delta: str) -> str:
    return (
        "INSERT INTO campaign_timeline (campaign_id, series, minute, n)"
        f" SELECT {campaign}, {series}, {at} / 60, {delta} WHERE {cond}"
        " ON CONFLICT (campaign_id, series, minute) DO UPDATE SET n = n + excluded.n;"
    )


def _event_part(r: str, sign: str) -> str:
    kinds = ", ".join(f"'{k}'" for k in EVENT_COUNTERS)
    name = "CASE " + " ".join(
        f"WHEN {r}.kind = '{k}' THEN '{v}'" for k, v in EVENT_COUNTERS.items()
    )
    first_follow = (
        f"{r}.kind = 'follow' AND {r}.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e"
        f" WHERE e.campaign_id = {r}.campaign_id AND e.kind = 'follow'"
        f" AND e.user_id = {r}.user_id AND e.id <> {r}.id)"
    )
    live = f"{r}.campaign_id IS NOT NULL"
    return _bump(f"{live} AND {r}.kind IN ({kinds})", f"{r}.campaign_id", name + " END", sign) + (
        _bump(f"{live} AND {first_follow}", f"{r}.campaign_id", "'new_followers'", sign)
    )


def _click_part(r: str, sign: str) -> str:
    live = f"{r}.campaign_id IS NOT NULL"
    alone = (
        f"({r}.fan_id IS NULL OR NOT EXISTS (SELECT 1 FROM clicks k WHERE"
        f" k.campaign_id = {r}.campaign_id AND k.fan_id = {r}.fan_id AND k.id <> {r}.id))"
    )
    return (
        _bump(live, f"{r}.campaign_id", "'clicks'", sign)
        + _bump(f"{live} AND {alone}", f"{r}.campaign_id", "'unique_clicks'", sign)
        + _tick(live, f"{r}.campaign_id", CLICKS, f"{r}.created_at", sign)
    )


def _order_part(r: str, sign: str) -> str:
    attributed = (
        f"{r}.campaign_id IS NOT NULL AND {r}.expert_id ="
        f" (SELECT c.expert_id FROM campaigns c WHERE c.id = {r}.campaign_id)"
    )
    c = f"{r}.campaign_id"
    status_name = (
        f"CASE {r}.status WHEN 'paid' THEN 'paid_orders' WHEN 'refunded' THEN 'refunded_orders'"
        " WHEN 'cancelled' THEN 'cancelled_orders' END"
    )
    amount = f"{sign} * {r}.amount_fen"
    statuses = "('paid', 'refunded', 'cancelled')"
    return (
        _bump(attributed, c, "'orders'", sign)
        + _bump(f"{attributed} AND {r}.status IN {statuses}", c, status_name, sign)
        + _bump(f"{attributed} AND {r}.status IN ('paid', 'refunded')", c, "'gross_fen'", amount)
        + _bump(f"{attributed} AND {r}.status = 'refunded'", c, "'refunded_fen'", amount)
        + _bump(f"{attributed} AND {r}.status = 'paid'", c, "'paid_fen'", amount)
        + _tick(attributed, c, ORDERS, f"{r}.occurred_at", sign)
    )


def _commission_part(r: str, sign: str) -> str:
    campaign = (
        "(SELECT o.campaign_id FROM orders o JOIN campaigns c ON c.id = o.campaign_id"
        f" WHERE o.id = {r}.order_id AND o.expert_id = c.expert_id AND c.expert_id = {r}.expert_id)"
    )
    cond = f"{r}.status <> 'cancelled' AND {campaign} IS NOT NULL"
    return _bump(cond, campaign, "'commission_fen'", f"{sign} * {r}.amount_fen")


def _outbox_part(r: str, sign: str) -> str:
    live = f"{r}.campaign_id IS NOT NULL"
    sent = f"{live} AND {r}.status = 'sent' AND {r}.sent_at IS NOT NULL"
    return _bump(live, f"{r}.campaign_id", f"'outbox:' || {r}.status", sign) + _tick(
        sent, f"{r}.campaign_id", SENDS, f"{r}.sent_at", sign
    )


def _triggers(table: str, columns: str, part: Any, *, on_insert: bool = True) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns.split(", "))
    made = [
        f"CREATE TRIGGER tr_{table}_counted_delete AFTER DELETE ON {table} BEGIN "
        f"{part('OLD', '-1')} END",
        f"CREATE TRIGGER tr_{table}_counted_update AFTER UPDATE OF {columns} ON {table}"
        f" WHEN {changed} BEGIN {part('OLD', '-1')} {part('NEW', '1')} END",
    ]
    if on_insert:
        made.append(
            f"CREATE TRIGGER tr_{table}_counted_insert AFTER INSERT ON {table} BEGIN "
            f"{part('NEW', '1')} END"
        )
    return made


# SQLite triggers keeping the counters (see the module's docstring for the outbox's inserts).
SQLITE_TRIGGERS = [
    *_triggers("events", "kind, user_id, campaign_id", _event_part),
    *_triggers("clicks", "fan_id, campaign_id, created_at", _click_part),
    *_triggers("orders", "campaign_id, expert_id, status, amount_fen, occurred_at", _order_part),
    *_triggers("commissions", "order_id, expert_id, status, amount_fen", _commission_part),
    *_triggers("outbox", "campaign_id, status, sent_at", _outbox_part, on_insert=False),
]


def _install_triggers(target: Any, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            connection.execute(text(statement))


# create_all (bench and test seeds) gets the triggers too; migrations install them in 0007.
event.listen(metadata, "after_create", _install_triggers)
