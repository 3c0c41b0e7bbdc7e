"""`stats`: `/stats <campaign>` (the campaign report) over 1,000,000 events.

The report load (bench/bench_reports.py) is seeded with a million events, and outbox rows,
clicks and orders in proportion; 60 % of every table belongs to the campaign reported.
Baseline, same run: `SELECT count(*)` over the same events. Target: report ≤ 3 × baseline
(medians of several runs, page cache warm for both). Also reported: the report in ms (goal
< 200 ms), and the expert overview and platform totals beside it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bench.bench_reports import NOW, seed_report_load
from bench.harness import Verdict
from storage.database import create_engine
from storage.repositories.analytics import AnalyticsRepository

NAME = "stats"
TARGET = 3.0


async def _median(action: Callable[[], Awaitable[object]], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


async def _measure(path: Path, repeats: int) -> dict[str, float]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    repo = AnalyticsRepository(engine)

    async def baseline() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT count(*) FROM events"))

    async def campaign() -> None:
        report = await repo.campaign_report(1, interval_seconds=3600)
        assert report is not None

    async def overview() -> None:
        await repo.expert_overview(1, now=NOW)

    async def platform() -> None:
        await repo.platform_totals(now=NOW, day_start=NOW - timedelta(hours=12))

    times = {}
    for name, action in (
        ("baseline", baseline),
        ("campaign", campaign),
        ("overview", overview),
        ("platform", platform),
    ):
        await action()  # warm the page cache for everyone alike
        times[name] = await _median(action, repeats)
    await engine.dispose()
    return times


def run(folder: Path, quick: bool) -> Verdict:
    """Seed the report load, time the report against count(*)."""
    events = 50_000 if quick else 1_000_000
    began = time.perf_counter()
    load = seed_report_load(
        folder / "stats.sqlite3",
        fans=20_000 if quick else 200_000,
        outbox_rows=events // 2,
        event_rows=events,
        click_rows=events // 5,
        order_rows=events // 50,
    )
    print(f"  seeded {sum(load.rows.values()):,} rows in {time.perf_counter() - began:.1f}s")
    times = asyncio.run(_measure(load.path, 5 if quick else 7))
    base = times["baseline"]
    return Verdict(
        NAME,
        times["campaign"] / base,
        TARGET,
        higher_is_better=False,
        baseline=f"SELECT count(*) over {events:,} events: {base * 1000:,.1f} ms",
        size=f"{events:,} events, {load.rows['outbox']:,} outbox rows",
        figures=[
            ("/stats <campaign> report (goal < 200 ms)", f"{times['campaign'] * 1000:,.1f} ms"),
            ("expert overview (1/7/30 days)", f"{times['overview'] * 1000:,.1f} ms"),
            ("platform totals", f"{times['platform'] * 1000:,.1f} ms"),
        ],
    )
