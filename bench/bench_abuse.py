"""`abuse`: what one person flooding the bot costs everyone else.

Twenty fans browse windows (the `updates` presses, closed loop) while one more person posts
`/help` to the webhook route at 100 a second without waiting for answers. Baseline, same run:
the same twenty fans with nobody flooding. The figure is the bystanders' p99 latency with the
flood over their p99 without it (reported, not a target: the throttle's notice and what the
flooder receives are printed beside it). The send gate is lifted as in `updates` (the sink is not
Telegram); the per-person throttle runs with its defaults.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.bench_updates import Side, measure, seed_browsing
from bench.harness import Verdict

NAME = "abuse"
BYSTANDERS = 20
FLOOD_PER_SECOND = 100.0


def _latency(side: Side) -> str:
    return f"p50 {side.p50_ms:.0f} / p99 {side.p99_ms:.0f} ms, {side.rate:,.0f} presses/s"


def run(folder: Path, quick: bool) -> Verdict:
    """The bystanders' presses without and with the flood, against the same bot and database."""
    seconds = 4 if quick else 20
    database, browsing = seed_browsing(folder, quick)
    bystanders, flooder = browsing[:BYSTANDERS], browsing[-1]
    # Each run on its own copy: the bot keeps the update ids it took, and the second run's
    # presses reuse the first run's ids (they would be dropped as redeliveries).
    flood_database = database.with_name("abuse-flood.sqlite3")
    shutil.copyfile(database, flood_database)
    quiet = measure(folder, database, bystanders, "vitrine", seconds, concurrency=BYSTANDERS)
    print(f"  quiet: {quiet}", flush=True)
    flood = {"telegram_id": flooder["telegram_id"], "per_second": FLOOD_PER_SECOND}
    flooded = measure(
        folder,
        flood_database,
        bystanders,
        "vitrine",
        seconds,
        concurrency=BYSTANDERS,
        abuser=flood,
        label="-flood",
    )
    print(f"  flooded: {flooded}", flush=True)
    posted = flooded.abuser.get("posted", 0)
    received = flooded.abuser.get("messages_received", 0)
    return Verdict(
        NAME,
        flooded.p99_ms / quiet.p99_ms,
        1.0,
        higher_is_better=False,
        reported_only=True,
        baseline=f"{BYSTANDERS} fans browsing, nobody flooding: {_latency(quiet)}",
        size=f"{BYSTANDERS} fans, 1 flooder at {FLOOD_PER_SECOND:.0f}/s, {seconds} s",
        figures=[
            ("bystanders during the flood", _latency(flooded)),
            ("flood commands posted / messages sent back", f"{posted:,} / {received:,}"),
            ("bystanders' timeouts / errors", f"{flooded.timeouts} / {flooded.errors}"),
        ],
    )
