"""`fanout`: planning a campaign for 1,000,000 followers with every fan rule applied.

Baseline, same run: one bare `INSERT … SELECT` of the same followers into the outbox in
sqlite3, no rules, on a copy of the same seeded file. Target: planned ≤ 2.0 × baseline.
Also reported: the longest write transaction of the plan (goal ≤ 250 ms) and the p99 commit
latency of a concurrent writer process during it (goal ≤ 300 ms).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.harness import Verdict, spawn, stop
from bench.seed import seed, seed_pushes_today
from bot.campaigns.fanout import plan_fanout
from storage.database import create_engine
from storage.repositories import Repositories
from storage.repositories.campaigns import Audience

NAME = "fanout"
TARGET = 2.0


def _p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _plan(
    path: Path, expert_id: int, owner_id: int, now: datetime
) -> tuple[float, int, float]:
    """(seconds, rows written, longest write transaction in seconds) of the real planner."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    repos = Repositories.build(engine, default_timezone="Asia/Shanghai")
    spans: list[float] = []
    opened: dict[int, float] = {}
    committing: list[float] = []
    dialect = engine.sync_engine.dialect
    commit = dialect.do_commit

    def began(conn: Any) -> None:
        opened[id(conn)] = time.perf_counter()

    def ended(conn: Any) -> None:
        opened.pop(id(conn), None)  # a read: rolled back, never held the write lock

    def committing_now(conn: Any) -> None:
        committing.append(opened.pop(id(conn), time.perf_counter()))

    def committed(dbapi_connection: Any) -> None:
        # The span runs to the end of the real COMMIT (a checkpoint it triggers included).
        commit(dbapi_connection)
        if committing:
            spans.append(time.perf_counter() - committing.pop())

    event.listen(engine.sync_engine, "begin", began)
    event.listen(engine.sync_engine, "rollback", ended)
    event.listen(engine.sync_engine, "commit", committing_now)
    dialect.do_commit = committed  # type: ignore[method-assign]
    campaign = await repos.campaigns.create(
        expert_id=expert_id,
        kind="push",
        item_ids=[],
        audience={"tags": [], "push": True},
        starts_at=now,
        recurrence=None,
        progress_chat_id=None,
    )
    spans.clear()
    started = time.perf_counter()
    written = await plan_fanout(
        repos.campaigns,
        campaign_id=campaign.id,
        audience=Audience(expert_id, owner_id, False, ()),
        payload={"render": "campaign", "campaign_id": campaign.id},
        dedup_prefix=f"c{campaign.id}:u",
        now=now,
        platform_cap=3,
        mark_running=True,
    )
    seconds = time.perf_counter() - started
    await engine.dispose()
    return seconds, written, max(spans, default=0.0)


def _bare(path: Path, expert_id: int, now: datetime) -> tuple[float, int]:
    """The baseline: one INSERT … SELECT of every follower, no rules."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    moment = int(now.timestamp())
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    cursor = db.execute(
        "INSERT INTO outbox (kind, chat_id, user_id, campaign_id, dedup_key, payload, status,"
        " attempts, next_attempt_at, created_at)"
        " SELECT 'push', u.telegram_id, u.id, NULL, 'bare:u' || u.id, '{}', 'queued', 0, ?, ?"
        " FROM follows f JOIN users u ON u.id = f.fan_id WHERE f.expert_id = ?",
        (moment, moment, expert_id),
    )
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds, cursor.rowcount


def run(folder: Path, quick: bool) -> Verdict:
    """Seed, plan with a concurrent writer running, then the bare baseline on a copy."""
    fans = 20_000 if quick else 1_000_000
    now = datetime.now(UTC)
    path = folder / "fanout.sqlite3"
    began = time.perf_counter()
    seeded = seed(path, fans=fans, rules=True, now=now)
    seed_pushes_today(seeded, now=now)
    copy = folder / "fanout-bare.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(path, copy)
    print(f"  seeded {fans:,} followers in {time.perf_counter() - began:.1f}s", flush=True)

    bare_seconds, bare_rows = _bare(copy, seeded.expert_ids[0], now)

    latencies_file = folder / "writer.json"
    writer = spawn(
        "bench.writer", [str(path), str(latencies_file), "600"], {}, folder / "writer.log"
    )
    time.sleep(1.0)  # the writer is writing before the plan starts
    try:
        seconds, written, longest = asyncio.run(
            _plan(path, seeded.expert_ids[0], seeded.expert_owner_ids[0], now)
        )
    finally:
        stop(writer)
    measured = json.loads(latencies_file.read_text())
    latencies: list[float] = measured["latencies_ms"]
    ratio = seconds / bare_seconds
    return Verdict(
        NAME,
        ratio,
        TARGET,
        higher_is_better=False,
        baseline=f"bare INSERT … SELECT of {bare_rows:,} rows: {bare_seconds * 1000:,.0f} ms",
        size=f"{fans:,} followers",
        figures=[
            ("planned, every rule applied", f"{seconds * 1000:,.0f} ms, {written:,} rows"),
            ("longest write transaction (goal <= 250 ms)", f"{longest * 1000:,.0f} ms"),
            (
                "concurrent writer p99 commit (goal <= 300 ms)",
                f"{_p99(latencies):,.1f} ms (p50 {statistics.median(latencies or [0]):.1f} ms,"
                f" {len(latencies)} commits, {measured['errors']} 'database is locked')",
            ),
        ],
    )
