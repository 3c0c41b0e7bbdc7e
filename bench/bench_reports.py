"""The report load: a SQLite file of outbox rows, events, clicks and orders, with its truth.

`seed_report_load` is shared by the `stats` benchmark (bench/bench_stats.py) and
tests/storage/test_reports_aggregation.py: it writes the rows with executemany and returns the
totals computed in Python from the very rows it wrote, so the SQL aggregates can be checked
against numbers that never went through SQL.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

from storage.repositories.campaign_counters import REBUILD
from storage.schema import metadata

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OUTBOX_WEIGHTS = {
    "sent": 80,
    "failed": 3,
    "blocked": 5,
    "queued": 6,
    "sending": 1,
    "dropped": 2,
    "digest": 3,
}
ORDER_WEIGHTS = {"paid": 80, "refunded": 12, "cancelled": 8}
EVENT_KINDS = ("favourite", "cart_add", "follow", "unfollow", "card_open")
# expert id -> its campaign ids; expert 1 has two campaigns, expert 2 one.
CAMPAIGNS = {1: (1, 2), 2: (3,)}
CAMPAIGN_SHARE = {1: 0.6, 2: 0.3, 3: 0.1}
ITEMS = {1: (1, 2), 2: (3,)}


@dataclass
class CampaignTruth:
    """One campaign's totals, counted in Python from the rows written."""

    expert_id: int
    outbox: Counter[str] = field(default_factory=Counter)
    sends_by_hour: Counter[int] = field(default_factory=Counter)
    clicks: int = 0
    click_fans: set[object] = field(default_factory=set)
    events: Counter[str] = field(default_factory=Counter)
    follow_fans: set[int] = field(default_factory=set)
    orders: Counter[str] = field(default_factory=Counter)
    gross_fen: int = 0
    refunded_fen: int = 0
    paid_fen: int = 0
    commission_fen: int = 0


@dataclass
class ReportLoad:
    """Where the seeded database is and what its reports must say."""

    path: Path
    campaigns: dict[int, CampaignTruth]
    followers: dict[int, int]
    windows: dict[tuple[int, int], dict[str, int]]  # (expert id, days) -> totals
    fans: int
    total_clicks: int
    total_orders: int
    total_paid_fen: int
    rows: dict[str, int]


def _picks(rng: random.Random, weights: dict[str, int], n: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=n)


def _campaigns_for(rng: random.Random, n: int) -> list[int]:
    return rng.choices(list(CAMPAIGN_SHARE), weights=list(CAMPAIGN_SHARE.values()), k=n)


def _below(rng: random.Random, n: int) -> int:
    # random() * n is several times faster than randint, which matters for 100,000 rows.
    return int(rng.random() * n)


EXPERT_OF = {c: e for e, ids in CAMPAIGNS.items() for c in ids}


def _expert_of(campaign_id: int) -> int:
    return EXPERT_OF[campaign_id]


def seed_report_load(
    path: Path,
    *,
    fans: int = 5_000,
    outbox_rows: int = 100_000,
    event_rows: int = 100_000,
    click_rows: int = 20_000,
    order_rows: int = 3_000,
    seed: int = 7,
) -> ReportLoad:
    """Create the schema in a new SQLite file and fill it; return the independently counted truth."""
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    rng = random.Random(seed)
    now = int(NOW.timestamp())
    start = now - 3 * 86400  # campaigns went out three days ago
    truth = {c: CampaignTruth(_expert_of(c)) for c in CAMPAIGN_SHARE}
    windows: dict[tuple[int, int], dict[str, int]] = defaultdict(Counter)  # type: ignore[arg-type]
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # a throwaway file: no need to wait for the disk
    with db:
        db.execute("INSERT INTO partners VALUES ('tmall', 'Tmall', '{}', ?)", (now,))
        people = [
            (i, 900_000 + i, f"fan{i}", "zh_Hans", 0, "Asia/Shanghai", now - 40 * 86400)
            for i in range(1, fans + 1)
        ]
        staff = [
            (fans + i, 800_000 + i, f"staff{i}", "en", 1, "Asia/Shanghai", now) for i in (1, 2, 3)
        ]
        db.executemany(
            "INSERT INTO users (id, telegram_id, first_name, language, language_chosen, timezone, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            people + staff,
        )
        for expert_id in CAMPAIGNS:
            db.execute(
                "INSERT INTO experts (id, user_id, handle, handle_key, display_name, vertical, tags, bio,"
                " status, created_at) VALUES (?, ?, ?, ?, ?, 'beauty', '[]', '', 'verified', ?)",
                (
                    expert_id,
                    fans + expert_id,
                    f"expert{expert_id}",
                    f"expert{expert_id}",
                    f"专家{expert_id}",
                    now,
                ),
            )
        db.execute(
            "INSERT INTO merchants (id, user_id, partner_key, shop_id, name, notice_chat_id, callback_key,"
            " status, created_at) VALUES (1, ?, 'tmall', 'shop1', '店铺', 1, 'key1', 'verified', ?)",
            (fans + 3, now),
        )
        for expert_id, item_ids in ITEMS.items():
            for item_id in item_ids:
                db.execute(
                    "INSERT INTO items (id, expert_id, merchant_id, partner_key, partner_item_id, canonical_url,"
                    " title, reason, price_fen, stock, tags, status, position, low_stock_warned, created_at,"
                    " updated_at) VALUES (?, ?, 1, 'tmall', ?, 'https://detail.tmall.com/item.htm?id=1',"
                    " ?, 'good', 9900, 100, '[]', 'listed', 0, 0, ?, ?)",
                    (item_id, expert_id, str(item_id), f"商品 {item_id}", now, now),
                )
        for campaign_id in CAMPAIGN_SHARE:
            db.execute(
                "INSERT INTO campaigns (id, expert_id, kind, status, item_ids, audience, started_at, created_at)"
                " VALUES (?, ?, 'push', 'running', '[]', '{}', ?, ?)",
                (campaign_id, _expert_of(campaign_id), start, start - 60),
            )
        # Followers: each fan follows expert 1 or 2 (or neither) — the "followers now" truth.
        follow_rows = []
        followers: Counter[int] = Counter()
        for fan in range(1, fans + 1):
            for expert_id in CAMPAIGNS:
                if rng.random() < 0.4:
                    follow_rows.append((fan, expert_id, "link", 0, now - _below(rng, 40 * 86400)))
                    followers[expert_id] += 1
        db.executemany(
            "INSERT INTO follows (fan_id, expert_id, source, muted, created_at) VALUES (?, ?, ?, ?, ?)",
            follow_rows,
        )
        outbox = []
        outbox_campaigns = _campaigns_for(rng, outbox_rows)
        outbox_statuses = _picks(rng, OUTBOX_WEIGHTS, outbox_rows)
        for row_id, campaign_id, status in zip(
            range(1, outbox_rows + 1), outbox_campaigns, outbox_statuses, strict=False
        ):
            sent_at = start + _below(rng, 6 * 3600) if status == "sent" else None
            t = truth[campaign_id]
            t.outbox[status] += 1
            if sent_at is not None:
                t.sends_by_hour[sent_at // 3600] += 1
            fan = 1 + _below(rng, fans)
            outbox.append(
                (
                    row_id,
                    "campaign",
                    900_000 + fan,
                    fan,
                    campaign_id,
                    f"c{campaign_id}:{row_id}",
                    "{}",
                    status,
                    1,
                    start,
                    None,
                    "Forbidden: bot was blocked by the user" if status == "blocked" else None,
                    sent_at,
                    start,
                )
            )
        db.executemany(
            "INSERT INTO outbox (id, kind, chat_id, user_id, campaign_id, dedup_key, payload, status, attempts,"
            " next_attempt_at, telegram_message_id, error, sent_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            outbox,
        )
        clicks = []
        total_clicks = 0
        for number, drawn in enumerate(_campaigns_for(rng, click_rows)):
            click_campaign: int | None = drawn if rng.random() < 0.85 else None
            expert_id = (
                _expert_of(click_campaign) if click_campaign else 1 + _below(rng, len(CAMPAIGNS))
            )
            click_fan: int | None = 1 + _below(rng, fans) if rng.random() < 0.97 else None
            at = start + _below(rng, 2 * 86400) if click_campaign else now - _below(rng, 40 * 86400)
            click_id = f"k{number:08d}"
            if click_campaign:
                t = truth[click_campaign]
                t.clicks += 1
                t.click_fans.add(click_fan if click_fan is not None else click_id)
            for days in (1, 7, 30):
                if at >= now - days * 86400:
                    windows[(expert_id, days)]["clicks"] += 1
            total_clicks += 1
            clicks.append(
                (
                    click_id,
                    ITEMS[expert_id][number % len(ITEMS[expert_id])],
                    click_fan,
                    expert_id,
                    "push",
                    click_campaign,
                    at,
                )
            )
        db.executemany(
            "INSERT INTO clicks (id, item_id, fan_id, expert_id, source, campaign_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            clicks,
        )
        events = []
        event_kinds = rng.choices(EVENT_KINDS, k=event_rows)
        for number, (kind, drawn) in enumerate(
            zip(event_kinds, _campaigns_for(rng, event_rows), strict=False)
        ):
            event_campaign: int | None = drawn if rng.random() < 0.7 else None
            campaign_id = event_campaign or 0  # 0: no campaign (ids start at 1)
            expert_id = _expert_of(campaign_id) if campaign_id else 1 + _below(rng, len(CAMPAIGNS))
            user = 1 + _below(rng, fans)
            at = start + _below(rng, 2 * 86400) if campaign_id else now - _below(rng, 40 * 86400)
            if campaign_id:
                truth[campaign_id].events[kind] += 1
                if kind == "follow":
                    truth[campaign_id].follow_fans.add(user)
            if kind in ("follow", "unfollow"):
                for days in (1, 7, 30):
                    if at >= now - days * 86400:
                        windows[(expert_id, days)][kind] += 1
            events.append(
                (
                    kind,
                    at,
                    user,
                    expert_id,
                    ITEMS[expert_id][number % len(ITEMS[expert_id])],
                    event_campaign,
                    "push",
                )
            )
        db.executemany(
            "INSERT INTO events (kind, at, user_id, expert_id, item_id, campaign_id, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        orders, commissions = [], []
        total_paid = 0
        order_statuses = _picks(rng, ORDER_WEIGHTS, order_rows)
        for order_id, drawn, status in zip(
            range(1, order_rows + 1), _campaigns_for(rng, order_rows), order_statuses, strict=False
        ):
            order_campaign: int | None = drawn if rng.random() < 0.9 else None
            campaign_id = order_campaign or 0  # 0: no campaign (ids start at 1)
            expert_id = _expert_of(campaign_id) if campaign_id else 1 + _below(rng, len(CAMPAIGNS))
            amount = rng.randint(1, 500) * 100 + rng.randint(0, 99)
            at = start + _below(rng, 2 * 86400) if campaign_id else now - _below(rng, 40 * 86400)
            orders.append(
                (
                    order_id,
                    "tmall",
                    f"T{order_id}",
                    1,
                    rng.choice(ITEMS[expert_id]),
                    expert_id,
                    order_campaign,
                    1,
                    amount,
                    status,
                    at,
                    at,
                    at,
                )
            )
            commission = amount * 800 // 10_000
            counted = 0
            if status == "paid":
                commissions.append(
                    (
                        order_id,
                        expert_id,
                        "commission",
                        800,
                        commission,
                        rng.choice(("pending", "confirmed")),
                        at,
                    )
                )
                counted = commission
                total_paid += amount
            elif status == "refunded" and rng.random() < 0.5:
                commissions.append(
                    (order_id, expert_id, "commission", 800, commission, "cancelled", at)
                )
            elif status == "refunded":
                # Refunded after the commission was confirmed: a negative adjustment books it back.
                commissions.append(
                    (order_id, expert_id, "commission", 800, commission, "confirmed", at)
                )
                commissions.append(
                    (order_id, expert_id, "adjustment", 800, -commission, "confirmed", at)
                )
            for days in (1, 7, 30):
                if at >= now - days * 86400:
                    w = windows[(expert_id, days)]
                    w["orders"] += 1
                    w["gmv"] += amount if status == "paid" else 0
                    w["commission"] += counted
            if campaign_id:
                t = truth[campaign_id]
                t.orders[status] += 1
                t.gross_fen += amount if status in ("paid", "refunded") else 0
                t.refunded_fen += amount if status == "refunded" else 0
                t.paid_fen += amount if status == "paid" else 0
                t.commission_fen += counted
        db.executemany(
            "INSERT INTO orders (id, partner_key, partner_order_id, merchant_id, item_id, expert_id, campaign_id,"
            " quantity, amount_fen, status, occurred_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            orders,
        )
        db.executemany(
            "INSERT INTO commissions (order_id, expert_id, merchant_id, kind, rate_bp, amount_fen, status, created_at)"
            " VALUES (?, ?, 1, ?, ?, ?, ?, ?)",
            commissions,
        )
        # The outbox's inserts are counted by its repository, not by trigger: count these too.
        for statement in REBUILD:
            db.execute(statement)
    db.close()
    return ReportLoad(
        path=path,
        campaigns=truth,
        followers=dict(followers),
        windows={k: dict(v) for k, v in windows.items()},
        fans=fans,
        total_clicks=total_clicks,
        total_orders=order_rows,
        total_paid_fen=total_paid,
        rows={
            "outbox": outbox_rows,
            "events": event_rows,
            "clicks": click_rows,
            "orders": order_rows,
        },
    )
