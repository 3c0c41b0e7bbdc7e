"""`push-unlimited`: 50,000 queued campaign messages through the dispatcher to the fast sink.

Baseline, same run: a bare httpx loop posting the same sendMessage calls to the same kind of
sink, at the same concurrency. Target: dispatcher ≥ 0.7 × baseline. Each side has its own
fresh sink process, which counts what arrived: every message once (0 lost, 0 duplicates).
Also reported: msg/s, and what a 1,000,000-fan campaign takes at paid broadcast's 1,000/s
(the gate paces at 90 % of it) given the dispatcher's measured ceiling.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.dispatch_process import TEXT
from bench.harness import Verdict, free_port, spawn, stop, wait_http
from bench.seed import migrated
from bot.delivery.pacing import RATE_HEADROOM

NAME = "push-unlimited"
TARGET = 0.7
CONCURRENCY = 8  # VITRINE_SEND_CONCURRENCY's default


def _queue(path: Path, count: int) -> None:
    migrated(path)
    now = int(datetime.now(UTC).timestamp())
    payload = json.dumps({"method": "sendMessage", "params": {"text": TEXT, "parse_mode": "HTML"}})
    db = sqlite3.connect(path)
    with db:
        db.execute(
            "INSERT INTO users (id, telegram_id, first_name, language, language_chosen, timezone,"
            " created_at) VALUES (1, 1000, 'E', 'en', 0, 'Asia/Shanghai', ?)",
            (now,),
        )
        db.execute(
            "INSERT INTO experts (id, user_id, handle, handle_key, display_name, vertical, tags,"
            " bio, status, created_at) VALUES (1, 1, 'e', 'e', 'E', 'beauty', '[]', '', 'verified',"
            " ?)",
            (now,),
        )
        db.execute(
            "INSERT INTO campaigns (id, expert_id, kind, status, item_ids, audience, started_at,"
            " created_at) VALUES (1, 1, 'push', 'running', '[]', '{}', ?, ?)",
            (now, now),
        )
        db.executemany(
            "INSERT INTO outbox (kind, chat_id, campaign_id, dedup_key, payload, status, attempts,"
            " next_attempt_at, created_at) VALUES ('push', ?, 1, ?, ?, 'queued', 0, ?, ?)",
            ((30_000_000 + n, f"c1:u{n}", payload, now - 1, now) for n in range(count)),
        )
    db.close()


def _side(folder: Path, mode: str, database: str, count: int) -> tuple[dict[str, float], dict]:
    """Run one side against a fresh sink: (its figures, what the sink received)."""
    port = free_port()
    sink_log = folder / f"sink-{mode}.log"
    sink = spawn("bench.sink", ["--port", str(port)], {}, sink_log)
    out = folder / f"{mode}.json"
    try:
        wait_http(f"http://127.0.0.1:{port}/__bench/stats", sink, sink_log)
        side = spawn(
            "bench.dispatch_process",
            [
                mode,
                database,
                f"http://127.0.0.1:{port}/bot",
                str(count),
                str(CONCURRENCY),
                str(out),
            ],
            {},
            folder / f"{mode}.log",
        )
        side.wait(timeout=900)
        if side.returncode != 0:
            raise RuntimeError((folder / f"{mode}.log").read_text()[-3000:])
        received = httpx.get(f"http://127.0.0.1:{port}/__bench/stats").json()
    finally:
        stop(sink)
    return json.loads(out.read_text()), received


def run(folder: Path, quick: bool) -> Verdict:
    """Queue the messages, send them both ways, compare."""
    count = 3_000 if quick else 50_000
    database = folder / "push.sqlite3"
    began = time.perf_counter()
    _queue(database, count)
    print(f"  queued {count:,} messages in {time.perf_counter() - began:.1f}s", flush=True)
    bare, bare_received = _side(folder, "httpx", "-", count)
    path, _ = _side(folder, "ptb", "-", count // 5)
    sent, received = _side(folder, "dispatcher", str(database), count)
    path_rate = path["sent"] / path["seconds"]
    bare_rate = bare["sent"] / bare["seconds"]
    rate = sent["sent"] / sent["seconds"]
    with sqlite3.connect(database) as db:
        statuses = dict(
            db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()
        )
    lost = count - int(received["chats"])
    paced = min(rate, 1000 * RATE_HEADROOM)
    million = 1_000_000 / paced
    return Verdict(
        NAME,
        rate / bare_rate,
        TARGET,
        higher_is_better=True,
        baseline=(
            f"bare httpx loop, concurrency {CONCURRENCY}: {bare_rate:,.0f} msg/s "
            f"({bare_received['messages']:,} received)"
        ),
        size=f"{count:,} messages",
        figures=[
            ("dispatcher through the outbox", f"{rate:,.0f} msg/s, concurrency {CONCURRENCY}"),
            (
                "same calls through PTB and the send gate, no outbox",
                f"{path_rate:,.0f} msg/s ({path_rate / bare_rate:.2f} of the bare loop)",
            ),
            ("time to first message", f"{sent['first_seconds'] * 1000:,.0f} ms"),
            (
                "delivered / lost / duplicates",
                f"{received['messages']:,} / {lost:,} / {received['duplicates']:,}",
            ),
            ("outbox statuses after", ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))),
            (
                "1,000,000-fan campaign at 1,000/s paid broadcast",
                f"{million / 60:,.1f} min (at {paced:,.0f} msg/s: "
                f"{'the paced rate' if paced < rate else 'the dispatcher ceiling'})",
            ),
        ],
    )
