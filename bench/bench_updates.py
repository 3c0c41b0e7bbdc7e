"""`updates`: 200 fans browsing windows at once (next page, details, ♥), on 1,000,000 follows.

The database holds 250,000 fans following 4 of 1,000 experts each (1,000,000 follows) and
100,000 items. The fans' load generator (bench/fans.py, its own process, with the Bot API
sink inside) posts button presses to the bot's webhook route; each fan presses again once the
bot's answer and message for the last press reached the sink. Baseline, same run: a PTB echo
bot behind the same webhook route and uvicorn settings, against the same kind of sink, under
the same presses. Target: bot ≥ 0.5 × echo throughput. Also reported: p50 / p99 latency and
each process's peak RSS (the `memory` benchmark's figure).

The bot's send gate is lifted to 100,000 messages/s for this run (BENCH_LIFTED_RATE): the sink
is not Telegram, and what is measured is the bot's own ceiling; the per-chat pace stays.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import (
    Verdict,
    bot_env,
    free_port,
    peak_rss_mb,
    spawn,
    stop,
    tail,
    wait_http,
)
from bench.seed import seed
from bot.config import load_settings

NAME = "updates"
TARGET = 0.5
CONCURRENCY = 200
LIFTED_RATE = "100000"


@dataclass(frozen=True)
class Side:
    """What one bot (or the echo bot) did under the presses."""

    rate: float
    p50_ms: float
    p99_ms: float
    completed: int
    timeouts: int
    errors: int
    peak_rss_mb: float
    abuser: dict[str, int]  # the `abuse` benchmark's flood: posted, messages_received


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def seed_browsing(folder: Path, quick: bool) -> tuple[Path, list[dict[str, Any]]]:
    """The 1,000,000-follow database and the fans who will browse (with what they can press)."""
    fans, experts, items = (5_000, 100, 10) if quick else (250_000, 1_000, 100)
    database = folder / "updates.sqlite3"
    began = time.perf_counter()
    seeded = seed(
        database,
        fans=fans,
        experts=experts,
        items_per_expert=items,
        follows_per_fan=4,
        rules=False,
    )
    print(
        f"  seeded {fans:,} fans, {fans * 4:,} follows, {experts * items:,} items in "
        f"{time.perf_counter() - began:.1f}s",
        flush=True,
    )
    with sqlite3.connect(database) as db:
        by_expert: dict[int, list[int]] = {}
        for item_id, expert_id in db.execute("SELECT id, expert_id FROM items"):
            by_expert.setdefault(expert_id, []).append(item_id)
    browsing = []
    step = max(1, fans // CONCURRENCY)
    for n in range(0, step * CONCURRENCY, step):
        expert = seeded.expert_ids[n % experts]
        browsing.append(
            {
                "telegram_id": seeded.telegram_base + n,
                "expert_id": expert,
                "items": by_expert[expert],
            }
        )
    return database, browsing


def measure(
    folder: Path,
    database: Path,
    browsing: list[dict[str, Any]],
    mode: str,
    seconds: float,
    *,
    concurrency: int = CONCURRENCY,
    abuser: dict[str, Any] | None = None,
    label: str = "",
    scale_out: dict[str, str] | None = None,
    web_processes: int = 1,
) -> Side:
    """Run the presses against one bot process (`vitrine` or `echo`), optionally with a flood.

    `scale_out`: the settings of a PostgreSQL + Redis deployment; the presses then go to
    `web_processes` processes of `vitrine run --role web` (each fan to one of them).
    """
    sink_port = free_port()
    bot_ports = [free_port() for _ in range(web_processes)]

    def env_of(n: int) -> dict[str, str]:
        env = {
            **bot_env(folder, database, bot_ports[n], f"http://127.0.0.1:{sink_port}/bot"),
            "VITRINE_WEBHOOK_URL": "https://vitrine-bench.invalid",
            "BENCH_LIFTED_RATE": LIFTED_RATE,
        }
        if scale_out is not None:
            env.update(scale_out, VITRINE_DATA_DIR=str(folder / f"data-web-{n}"))
        return env

    secret = load_settings(env_of(0)).webhook_secret
    config = {
        "sink_port": sink_port,
        "bot_host": "127.0.0.1",
        "bot_port": bot_ports[0],
        "bot_ports": bot_ports,
        "webhook_path": f"/telegram/{secret[:32]}",
        "secret": secret,
        "fans": browsing,
        "concurrency": concurrency,
        "seconds": seconds,
        "abuser": abuser,
    }
    run_name = f"{mode}{label}"
    config_file, out = folder / f"fans-{run_name}.json", folder / f"fans-{run_name}-out.json"
    config_file.write_text(json.dumps(config))
    fans_log, bot_log = folder / f"fans-{run_name}.log", folder / f"bot-{run_name}.log"
    fans = spawn("bench.fans", [str(config_file), str(out)], {}, fans_log)
    args = [mode, "--role", "web"] if scale_out is not None else [mode]
    try:
        wait_http(f"http://127.0.0.1:{sink_port}/__bench/stats", fans, fans_log)
        bots = [
            spawn("bench.bot_process", args, env_of(n), bot_log.with_suffix(f".{n}.log"))
            for n in range(web_processes)
        ]
        try:
            fans.wait(timeout=seconds + 300)
            rss = max(peak_rss_mb(bot.pid) if bot.poll() is None else float("nan") for bot in bots)
            for n, bot in enumerate(bots):
                if bot.poll() is not None:
                    raise RuntimeError(
                        f"the {mode} bot died:\n{tail(bot_log.with_suffix(f'.{n}.log'))}"
                    )
        finally:
            for bot in bots:
                stop(bot)
    finally:
        stop(fans)
    if fans.returncode != 0 or not out.exists():
        raise RuntimeError(f"the fans' load generator failed:\n{tail(fans_log)}")
    result = json.loads(out.read_text())
    latencies = result["latencies_ms"]
    return Side(
        result["completed"] / result["seconds"],
        statistics.median(latencies) if latencies else float("nan"),
        _percentile(latencies, 0.99),
        result["completed"],
        result["timeouts"],
        result["errors"],
        rss,
        result["abuser"],
    )


def run(folder: Path, quick: bool) -> Verdict:
    """The bot and the echo bot under the same presses."""
    seconds = 4 if quick else 30
    database, browsing = seed_browsing(folder, quick)
    bot = measure(folder, database, browsing, "vitrine", seconds)
    print(f"  vitrine: {bot}", flush=True)
    echo = measure(folder, database, browsing, "echo", seconds)
    print(f"  echo: {echo}", flush=True)
    follows = "1,000,000" if not quick else "20,000"
    return versus_echo(NAME, bot, echo, f"{CONCURRENCY} fans, {seconds:.0f} s, {follows} follows")


def versus_echo(name: str, bot: Side, echo: Side, size: str, *, bot_label: str = "bot") -> Verdict:
    """The verdict of the bot's presses against the echo bot's, as `updates` reports it."""
    return Verdict(
        name,
        bot.rate / echo.rate,
        TARGET,
        higher_is_better=True,
        baseline=(
            f"PTB echo bot, same webhook and sink: {echo.rate:,.0f} presses/s, "
            f"p50 {echo.p50_ms:.0f} / p99 {echo.p99_ms:.0f} ms"
        ),
        size=size,
        figures=[
            ("presses handled (page, details, ♥)", f"{bot.rate:,.0f}/s ({bot.completed:,})"),
            ("p50 / p99 latency", f"{bot.p50_ms:.0f} / {bot.p99_ms:.0f} ms"),
            ("timeouts / errors", f"{bot.timeouts} / {bot.errors}"),
            (f"peak RSS {bot_label} / echo", f"{bot.peak_rss_mb:.0f} / {echo.peak_rss_mb:.0f} MB"),
        ],
    )
