"""`orders`: signed order callbacks (verify, validate, attribute, commission, notice queued).

wrk posts distinct paid orders, each signed after Standard Webhooks with the shop's secret and
attributed to a click of its own, to `/hooks/orders/<key>`; then the same requests to a bare
Starlette route, same uvicorn settings. Target: bot ≥ 0.3 × bare route. Also reported:
orders/s (goal ≥ 500) and what the database holds afterwards.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import Verdict, run_wrk
from bench.seed import seed_demo_catalogue
from bench.stack import bot_process, sink_process
from bot.demo.seed import demo_secret
from bot.domain.webhooks import decode_secret, sign_webhook

NAME = "orders"
TARGET = 0.3
CONNECTIONS = 32
SHOP = "lumiere"

# One signed request per line: webhook-id, timestamp, signature, body (tab-separated).
ORDERS_SCRIPT = """
local lines = {}
local n = 0
local key = os.getenv("BENCH_KEY")
function init(args)
  for line in io.lines(os.getenv("BENCH_ORDERS")) do
    lines[#lines + 1] = line
  end
  n = math.random(#lines)
end
function request()
  n = n % #lines + 1
  local id, ts, sig, body = lines[n]:match("^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)$")
  local headers = {}
  headers["webhook-id"] = id
  headers["webhook-timestamp"] = ts
  headers["webhook-signature"] = sig
  headers["content-type"] = "application/json"
  return wrk.format("POST", "/hooks/orders/" .. key, headers, body)
end
"""


def _orders(database: Path, first_fan: int, fans: int, count: int) -> tuple[str, list[str]]:
    """(callback key, signed request lines); each order has its own click, fan and id."""
    now = int(datetime.now(UTC).timestamp())
    with sqlite3.connect(database) as db:
        key, merchant_id = db.execute(
            "SELECT callback_key, id FROM merchants WHERE shop_id = '5550001'"
        ).fetchone()
        item_id, expert_id, partner_item = db.execute(
            "SELECT id, expert_id, partner_item_id FROM items WHERE merchant_id = ? ORDER BY id",
            (merchant_id,),
        ).fetchone()
        clicks = [f"bench{n:06d}{secrets.token_urlsafe(9)}" for n in range(count)]
        db.executemany(
            "INSERT INTO clicks (id, item_id, fan_id, expert_id, source, created_at)"
            " VALUES (?, ?, ?, ?, 'window', ?)",
            # Clicked just now, after the shop's commission terms were accepted at seeding.
            ((c, item_id, first_fan + n % fans, expert_id, now) for n, c in enumerate(clicks)),
        )
    secret = decode_secret(demo_secret(SHOP))
    lines = []
    for n, click in enumerate(clicks):
        body = json.dumps(
            {
                "order_id": f"B{n:08d}",
                "status": "paid",
                "partner_item_id": partner_item,
                "click_id": click,
                "quantity": 1,
                "amount_fen": 16900,
                "currency": "CNY",
                "occurred_at": now,
            }
        ).encode()
        msg_id = f"msg_bench_{n:08d}"
        lines.append(f"{msg_id}\t{now}\t{sign_webhook(secret, msg_id, now, body)}\t{body.decode()}")
    return key, lines


def run(folder: Path, quick: bool) -> Verdict:
    """The bot's order hook against the bare route, same wrk load."""
    seconds = 3 if quick else 20
    fans = 2_000 if quick else 100_000
    database = folder / "orders.sqlite3"
    first_fan = seed_demo_catalogue(database, fans=fans)
    # More signed orders than the bot can take in the time: none is posted twice.
    key, lines = _orders(database, first_fan, fans, 20_000 if quick else 60_000)
    orders_file = folder / "orders.txt"
    orders_file.write_text("\n".join(lines) + "\n")
    script = folder / "orders.lua"
    script.write_text(ORDERS_SCRIPT)
    env = {"BENCH_ORDERS": str(orders_file), "BENCH_KEY": key}
    with sink_process(folder) as sink:
        with bot_process(folder, database, sink) as bot:
            began = time.perf_counter()
            measured = run_wrk(
                bot.http_url + "/", connections=CONNECTIONS, seconds=seconds, script=script, env=env
            )
            print(f"  bot: {measured}  ({time.perf_counter() - began:.0f}s)", flush=True)
            time.sleep(1.0)  # notices still being queued
        with bot_process(folder, database, sink, mode="bare") as bare:
            baseline = run_wrk(
                bare.http_url + "/",
                connections=CONNECTIONS,
                seconds=seconds,
                script=script,
                env=env,
            )
            print(f"  bare: {baseline}", flush=True)
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT count(*) FROM orders").fetchone()[0]
        attributed = db.execute(
            "SELECT count(*) FROM orders WHERE click_id IS NOT NULL AND expert_id IS NOT NULL"
        ).fetchone()[0]
        commissions = db.execute("SELECT count(*) FROM commissions").fetchone()[0]
        notices = db.execute("SELECT count(*) FROM outbox WHERE campaign_id IS NULL").fetchone()[0]
    return Verdict(
        NAME,
        measured.rate / baseline.rate,
        TARGET,
        higher_is_better=True,
        baseline=(
            f"bare Starlette route, same requests: {baseline.rate:,.0f} req/s, "
            f"p99 {baseline.p99_ms:.0f} ms"
        ),
        size=f"{CONNECTIONS} clients, {seconds} s",
        figures=[
            ("orders/s (goal >= 500)", f"{measured.rate:,.0f}"),
            ("p50 / p99", f"{measured.p50_ms:.0f} / {measured.p99_ms:.0f} ms"),
            (
                "requests / errors / orders stored / attributed / commissions / notice rows",
                f"{measured.requests:,} / {measured.errors:,} / {stored:,} / {attributed:,} / "
                f"{commissions:,} / {notices:,}",
            ),
        ],
    )
