"""`miniapp`: the Mini App's window-page API (initData checked on every call), 64 clients.

wrk loads `GET /app/api/window/<handle>?page=<n>`, each request signed in as one of many fans
with `Authorization: tma <initData>` signed with the bot's token exactly as Telegram signs it,
then a bare Starlette route served by uvicorn with the same settings, answering a JSON body of
the same size. Target: bot ≥ 0.5 × bare route.

Also reported: the first screen's transferred bytes without item photos (goal under 80 KB): the
shell page, the app's script and style and the first API answer (the startapp expert's window),
headers included. Telegram's own telegram-web-app.js is loaded from Telegram in production and
cannot be fetched here; the sandbox's stand-in for it is reported beside, not counted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.harness import BOT_TOKEN, Verdict, run_wrk
from bench.seed import seed_demo_catalogue
from bench.stack import bot_process, sink_process
from bot.miniapp.init_data import data_check_string, secret_key

NAME = "miniapp"
TARGET = 0.5
CONNECTIONS = 64
FIRST_SCREEN_GOAL_BYTES = 80 * 1024
TELEGRAM_BASE = 20_000_000  # the seeded fans' Telegram ids start here (bench.seed)

# Each wrk request takes the next "path<TAB>initData" line (threads start at different lines).
SIGNED_SCRIPT = """
local calls = {}
local n = 0
function init(args)
  for line in io.lines(os.getenv("BENCH_CALLS")) do
    local tab = line:find("\\t", 1, true)
    calls[#calls + 1] = {line:sub(1, tab - 1), "tma " .. line:sub(tab + 1)}
  end
  n = math.random(#calls)
end
function request()
  n = n % #calls + 1
  local call = calls[n]
  return wrk.format("GET", call[1], {["Authorization"] = call[2]})
end
"""


def signed_init_data(telegram_id: int, first_name: str, start_param: str, auth_date: int) -> str:
    """initData as Telegram's client sends it: url-encoded fields and their HMAC `hash`."""
    user = json.dumps(
        {"id": telegram_id, "first_name": first_name},
        separators=(",", ":"),
    )
    fields = {"auth_date": str(auth_date), "start_param": start_param, "user": user}
    check = data_check_string(fields, without=("hash",))
    fields["hash"] = hmac.new(secret_key(BOT_TOKEN), check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def window_calls(database: Path, fans: int, count: int) -> list[tuple[str, str]]:
    """(path, initData) of window pages: every expert, the pages they have, many fans."""
    with sqlite3.connect(database) as db:
        pages = [
            (handle, page)
            for handle, listed in db.execute(
                "SELECT e.handle, count(i.id) FROM experts e JOIN items i ON i.expert_id = e.id"
                " WHERE i.status = 'listed' GROUP BY e.id"
            )
            for page in range(max(1, -(-listed // 12)))  # pages count from 0
        ]
        first_names = dict(
            db.execute(
                "SELECT telegram_id, first_name FROM users WHERE telegram_id >= ?",
                (TELEGRAM_BASE,),
            )
        )
    now = int(time.time())
    calls = []
    for n in range(count):
        handle, page = pages[n % len(pages)]
        telegram_id = TELEGRAM_BASE + (n % fans)
        init = signed_init_data(telegram_id, first_names[telegram_id], handle, now)
        calls.append((f"/app/api/window/{handle}?page={page}", init))
    return calls


def first_screen(base_url: str, path: str, init: str) -> dict[str, int]:
    """The bytes (body and headers) each part of the first screen takes, photos left out."""
    parts = {}
    with httpx.Client(base_url=base_url) as client:
        for name, url, headers in (
            ("shell page", "/app", {}),
            ("app.js", "/app/static/app.js", {}),
            ("app.css", "/app/static/app.css", {}),
            ("first API answer", path, {"Authorization": f"tma {init}"}),
        ):
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
            head = sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 17
            parts[name] = len(response.content) + head
    return parts


def run(folder: Path, quick: bool) -> Verdict:
    """The bot's window API against the bare route, same wrk load."""
    seconds = 3 if quick else 20
    fans = 2_000 if quick else 100_000
    database = folder / "miniapp.sqlite3"
    seed_demo_catalogue(database, fans=fans, telegram_base=TELEGRAM_BASE)
    calls = window_calls(database, fans, 5_000 if quick else 50_000)
    calls_file = folder / "calls.txt"
    calls_file.write_text("".join(f"{path}\t{init}\n" for path, init in calls))
    script = folder / "signed.lua"
    script.write_text(SIGNED_SCRIPT)
    env = {"BENCH_CALLS": str(calls_file)}
    stand_in = resources.files("templates").joinpath("sandbox", "telegram-web-app.js")
    with sink_process(folder) as sink:
        with bot_process(folder, database, sink) as bot:
            parts = first_screen(bot.http_url, *calls[0])
            answer_size = parts["first API answer"]
            began = time.perf_counter()
            measured = run_wrk(
                bot.http_url + "/", connections=CONNECTIONS, seconds=seconds, script=script, env=env
            )
            print(f"  bot: {measured}  ({time.perf_counter() - began:.0f}s)", flush=True)
        with bot_process(
            folder, database, sink, mode="bare", extra_env={"BENCH_BARE_BYTES": str(answer_size)}
        ) as bare:
            baseline = run_wrk(
                bare.http_url + "/",
                connections=CONNECTIONS,
                seconds=seconds,
                script=script,
                env=env,
            )
            print(f"  bare: {baseline}", flush=True)
    total = sum(parts.values())
    verdict_goal = "met" if total < FIRST_SCREEN_GOAL_BYTES else "missed"
    return Verdict(
        NAME,
        measured.rate / baseline.rate,
        TARGET,
        higher_is_better=True,
        baseline=(
            f"bare Starlette route, same uvicorn settings, {answer_size:,}-byte answer: "
            f"{baseline.rate:,.0f} req/s, p99 {baseline.p99_ms:.0f} ms"
        ),
        size=f"{CONNECTIONS} clients, {seconds} s, {fans:,} fans, {len(calls):,} signed calls",
        figures=[
            ("window page with initData check", f"{measured.rate:,.0f} req/s"),
            ("p50 / p99", f"{measured.p50_ms:.0f} / {measured.p99_ms:.0f} ms"),
            ("requests / errors", f"{measured.requests:,} / {measured.errors:,}"),
            (
                "first screen without photos (goal < 80 KB)",
                f"{total / 1024:.1f} KB, {verdict_goal} ("
                + ", ".join(f"{name} {size / 1024:.1f}" for name, size in parts.items())
                + ")",
            ),
            (
                "sandbox's telegram-web-app.js stand-in (Telegram's own in production)",
                f"{len(stand_in.read_bytes()) / 1024:.1f} KB, not counted",
            ),
        ],
    )
