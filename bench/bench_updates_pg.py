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
from bench.bench_updates import CONCURRENCY, measure, seed_browsing, versus_echo
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
    size = (
        f"{CONCURRENCY} fans, {seconds:.0f} s, {follows} follows, PostgreSQL + Redis, "
        f"{WEB_PROCESSES} web processes (echo bot: one)"
    )
    return versus_echo(NAME, bot, echo, size, bot_label="of a web process")
