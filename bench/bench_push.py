"""`push`: a campaign to 10,000 fans through the sandbox (own process) at Telegram's limits.

The sandbox enforces 30 messages/s per bot and 1/s per private chat and answers 429 past them.
The bot runs as `vitrine run` does, with the default VITRINE_SEND_RATE=30, and fires a push
campaign of the demo catalogue to fans following the expert. Baseline, same run: the rate the
dispatcher is configured to pace at — 90 % of VITRINE_SEND_RATE (RATE_HEADROOM in
bot/delivery/pacing.py): Telegram's bucket is undocumented, and evenly spaced sends at 90 % of
the cap leave room for network jitter that bunches requests on arrival. Target: delivered in
steady state (between 10 % and 90 % of the deliveries) ≥ 0.97 × that rate, with 0 × 429,
0 lost and 0 duplicates. Also reported: time to first message.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Verdict, bot_env, free_port, spawn, stop, tail, wait_http
from bench.seed import seed_demo_catalogue
from bot.delivery.pacing import RATE_HEADROOM
from bot.demo.catalogue import DEMO_EXPERTS
from storage.database import create_engine
from storage.repositories import Repositories

NAME = "push"
TARGET = 0.97
SEND_RATE = 30.0
TELEGRAM_BASE = 40_000_000


async def _campaign(database: Path, fans: int, starts_at: datetime) -> tuple[int, datetime]:
    """Every fan follows the first demo expert; a push of its first item starts at `starts_at`."""
    repos = Repositories.build(
        create_engine(f"sqlite+aiosqlite:///{database}"), default_timezone="Asia/Shanghai"
    )
    expert = await repos.experts.by_handle(DEMO_EXPERTS[0].handle)
    assert expert is not None
    window, _ = await repos.items.window(expert.id, offset=0, limit=1)
    campaign = await repos.campaigns.create(
        expert_id=expert.id,
        kind="push",
        item_ids=[window[0].id],
        audience={"tags": [], "push": True},
        starts_at=starts_at,
        recurrence=None,
        progress_chat_id=None,
    )
    await repos.engine.dispose()
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO follows (fan_id, expert_id, source, muted, created_at)"
            " SELECT id, ?, 'link', 0, ? FROM users WHERE telegram_id >= ?",
            (expert.id, int(starts_at.timestamp()), TELEGRAM_BASE),
        )
    assert campaign.starts_at is not None
    return campaign.id, campaign.starts_at  # as stored (whole seconds): when the job fires


def prepare(folder: Path, quick: bool) -> tuple[Path, int, int, datetime, Path]:
    """The SQLite file with the fans and the campaign, and the sandbox's people file.

    Returns (database, fans, campaign id, start time as stored, people file).
    """
    fans = 200 if quick else 10_000
    database = folder / "push.sqlite3"
    seed_demo_catalogue(database, fans=fans, telegram_base=TELEGRAM_BASE)
    # Time for the bot to start first (a missed start would be a fire at start-up instead).
    starts_at = datetime.now(UTC) + timedelta(seconds=8 if quick else 20)
    campaign_id, starts_at = asyncio.run(_campaign(database, fans, starts_at))
    users = folder / "users.txt"
    people = [TELEGRAM_BASE + n for n in range(fans)] + [d.telegram_id for d in DEMO_EXPERTS]
    users.write_text("\n".join(str(p) for p in people))
    return database, fans, campaign_id, starts_at, users


def wait_until_sent(
    counts: Callable[[], dict[str, int]],
    processes: Sequence[tuple[subprocess.Popen[bytes], Path]],
    fans: int,
) -> None:
    """Until the campaign has nothing queued or in flight (or its time is up)."""
    deadline = time.time() + 60 + fans / (SEND_RATE * RATE_HEADROOM) * 1.5
    while time.time() < deadline:
        now = counts()
        if now and not now.get("queued") and not now.get("sending"):
            return
        for process, log in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a bot process died:\n{tail(log)}")
        time.sleep(1.0)


def push_verdict(
    name: str, measured: dict[str, Any], fans: int, starts_at: datetime, size: str
) -> Verdict:
    """What the sandbox saw, as `push` reports it: steady rate against the configured pace."""
    per_chat = {int(k): v for k, v in measured["per_chat"].items()}
    fan_counts = [per_chat.get(TELEGRAM_BASE + n, 0) for n in range(fans)]
    lost = sum(1 for c in fan_counts if c == 0)
    duplicates = sum(c - 1 for c in fan_counts if c > 1)
    times = sorted(measured["sent_at"])
    delivered = sum(1 for c in fan_counts if c)
    low, high = int(len(times) * 0.1), int(len(times) * 0.9) - 1
    steady = (high - low) / (times[high] - times[low]) if high > low else 0.0
    paced = SEND_RATE * RATE_HEADROOM
    first = times[0] - starts_at.timestamp() if times else float("nan")
    too_many = int(measured["statuses"].get("429", 0))
    return Verdict(
        name,
        steady / paced,
        TARGET,
        higher_is_better=True,
        baseline=(
            f"configured pace: {RATE_HEADROOM:.0%} of VITRINE_SEND_RATE {SEND_RATE:g}/s = "
            f"{paced:g} msg/s"
        ),
        size=size,
        figures=[
            ("delivered in steady state (10-90 %)", f"{steady:.2f} msg/s"),
            ("429 answers / lost / duplicates", f"{too_many} / {lost} / {duplicates}"),
            ("delivered", f"{delivered:,} of {fans:,}"),
            ("time to first message (from the start time)", f"{first:.1f} s"),
        ],
        notes=[]
        if not too_many and not lost and not duplicates
        else ["429, loss or duplicates seen"],
    )


def run(folder: Path, quick: bool) -> Verdict:
    """Fire the campaign through the strict sandbox and read what it delivered, when."""
    database, fans, campaign_id, starts_at, users = prepare(folder, quick)
    sandbox_port, bot_port = free_port(), free_port()
    sandbox_log, bot_log = folder / "sandbox.log", folder / "bot.log"
    sandbox = spawn("bench.sandbox_process", [str(sandbox_port), str(users)], {}, sandbox_log)
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    try:
        wait_http(f"{sandbox_url}/bench/stats", sandbox, sandbox_log)
        env = bot_env(folder, database, bot_port, f"{sandbox_url}/bot")
        env["VITRINE_TELEGRAM_FILE_URL"] = f"{sandbox_url}/file/bot"
        bot = spawn("bench.bot_process", ["vitrine"], env, bot_log)
        try:
            wait_http(f"http://127.0.0.1:{bot_port}/healthz", bot, bot_log, timeout=120)

            def counts() -> dict[str, int]:
                with sqlite3.connect(database) as db:
                    return dict(
                        db.execute(
                            "SELECT status, count(*) FROM outbox WHERE campaign_id = ?"
                            " GROUP BY status",
                            (campaign_id,),
                        ).fetchall()
                    )

            wait_until_sent(counts, [(bot, bot_log)], fans)
            measured = httpx.get(f"{sandbox_url}/bench/stats", timeout=30).json()
        finally:
            stop(bot)
    finally:
        stop(sandbox)
    return push_verdict(NAME, measured, fans, starts_at, f"{fans:,} fans")
