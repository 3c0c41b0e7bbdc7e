"""`updates-pg`: `updates` on the scale-out — 2 web processes over PostgreSQL and Redis.

The same browsing fans and catalogue as `updates` (5,000 fans / 20,000 follows quick; 250,000 /
1,000,000 full), seeded in SQLite and moved into a fresh PostgreSQL database with `migrate-data`'s
own code. Two `vitrine run --role web` processes take the presses (each fan's connection to one
of them, as behind a load balancer), their answers going to the fast Bot API sink. Baseline,
same run: the PTB echo bot (one process) under the same presses, as in `updates`. Target ≥ 0.5 ×
echo throughput. The send gate is lifted as in `updates` (the sink is not Telegram).
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.bench_push_pg import DEFAULT_REDIS, REDIS_ENV, drop_database, fresh_database
from bench.bench_updates import CONCURRENCY, TARGET, measure, seed_browsing
from bench.harness import Verdict
from storage.move import move_database

NAME = "updates-pg"
WEB_PROCESSES = 2


def run(folder: Path, quick: bool) -> Verdict:
    """Two web processes on PostgreSQL, then the echo bot, under the same presses."""
    seconds = 4 if quick else 30
    database, browsing = seed_browsing(folder, quick)
    name, url = fresh_database()
    try:
        move_database(f"sqlite+aiosqlite:///{database}", url, lambda *_: None)
        scale_out = {
            "VITRINE_DATABASE_URL": url,
            "VITRINE_REDIS_URL": os.environ.get(REDIS_ENV, DEFAULT_REDIS),
        }
        bot = measure(
            folder,
            database,
            browsing,
            "vitrine",
            seconds,
            label="-pg",
            scale_out=scale_out,
            web_processes=WEB_PROCESSES,
        )
        print(f"  vitrine on PostgreSQL, {WEB_PROCESSES} web processes: {bot}", flush=True)
    finally:
        drop_database(name)
    echo = measure(folder, database, browsing, "echo", seconds)
    print(f"  echo: {echo}", flush=True)
    follows = "20,000" if quick else "1,000,000"
    return Verdict(
        NAME,
        bot.rate / echo.rate,
        TARGET,
        higher_is_better=True,
        baseline=(
            f"PTB echo bot (one process), same webhook and sink: {echo.rate:,.0f} presses/s, "
            f"p50 {echo.p50_ms:.0f} / p99 {echo.p99_ms:.0f} ms"
        ),
        size=f"{CONCURRENCY} fans, {seconds:.0f} s, {follows} follows, PostgreSQL + Redis, "
        f"{WEB_PROCESSES} web processes",
        figures=[
            ("presses handled (page, details, ♥)", f"{bot.rate:,.0f}/s ({bot.completed:,})"),
            ("p50 / p99 latency", f"{bot.p50_ms:.0f} / {bot.p99_ms:.0f} ms"),
            ("timeouts / errors", f"{bot.timeouts} / {bot.errors}"),
            (
                "peak RSS of a web process / echo",
                f"{bot.peak_rss_mb:.0f} / {echo.peak_rss_mb:.0f} MB",
            ),
        ],
    )
