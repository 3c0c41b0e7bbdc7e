"""`go`: `/go/<token>` (verify the Buy link, log the click, render the page), 64 clients.

wrk loads the bot's HTTP side with distinct signed Buy links (each one a new click), then a
bare Starlette route served by uvicorn with the same settings, answering a page of the same
size. Target: bot ≥ 0.5 × bare route. Also reported: requests/s and p99 latency.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx

from bench.harness import BOT_TOKEN, SECRET_KEY, Verdict, bot_env, run_wrk
from bench.seed import seed_demo_catalogue
from bench.stack import bot_process, sink_process
from bot.config import load_settings
from bot.links import buy_url

NAME = "go"
TARGET = 0.5
CONNECTIONS = 64

# Each wrk request takes the next line of the paths file (threads start at different lines).
PATHS_SCRIPT = """
local paths = {}
local n = 0
function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
  n = math.random(#paths)
end
function request()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end
"""


def buy_paths(folder: Path, database: Path, first_fan: int, fans: int, count: int) -> list[str]:
    """Distinct Buy-link paths, signed with the bot's key, over the listed demo items."""
    settings = load_settings(bot_env(folder, database, 1, "http://127.0.0.1:1/bot"))
    with sqlite3.connect(database) as db:
        item_ids = [r[0] for r in db.execute("SELECT id FROM items WHERE status = 'listed'")]
    paths = []
    for n in range(count):
        url = buy_url(
            settings,
            item_id=item_ids[n % len(item_ids)],
            fan_id=first_fan + (n % fans),
            source="window",
        )
        paths.append(url.removeprefix(settings.public_url))
    return paths


def run(folder: Path, quick: bool) -> Verdict:
    """The bot's /go against the bare route, same wrk load."""
    seconds = 3 if quick else 20
    fans = 2_000 if quick else 100_000
    database = folder / "go.sqlite3"
    first_fan = seed_demo_catalogue(database, fans=fans)
    paths = buy_paths(folder, database, first_fan, fans, 30_000 if quick else 200_000)
    paths_file = folder / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = folder / "paths.lua"
    script.write_text(PATHS_SCRIPT)
    env = {"BENCH_PATHS": str(paths_file)}
    assert BOT_TOKEN and SECRET_KEY
    with sink_process(folder) as sink:
        with bot_process(folder, database, sink) as bot:
            page = httpx.get(bot.http_url + paths[-1])
            if page.status_code != 200:
                raise RuntimeError(f"/go answered {page.status_code}: {page.text[:300]}")
            size = len(page.content)
            began = time.perf_counter()
            measured = run_wrk(
                bot.http_url + "/", connections=CONNECTIONS, seconds=seconds, script=script, env=env
            )
            print(f"  bot: {measured}  ({time.perf_counter() - began:.0f}s)", flush=True)
        with bot_process(
            folder, database, sink, mode="bare", extra_env={"BENCH_BARE_BYTES": str(size)}
        ) as bare:
            baseline = run_wrk(
                bare.http_url + "/",
                connections=CONNECTIONS,
                seconds=seconds,
                script=script,
                env=env,
            )
            print(f"  bare: {baseline}", flush=True)
    with sqlite3.connect(database) as db:
        clicks = db.execute("SELECT count(*) FROM clicks").fetchone()[0]
    return Verdict(
        NAME,
        measured.rate / baseline.rate,
        TARGET,
        higher_is_better=True,
        baseline=(
            f"bare Starlette route, same uvicorn settings, {size:,}-byte page: "
            f"{baseline.rate:,.0f} req/s, p99 {baseline.p99_ms:.0f} ms"
        ),
        size=f"{CONNECTIONS} clients, {seconds} s, {fans:,} fans",
        figures=[
            ("/go/<token> with click logging", f"{measured.rate:,.0f} req/s"),
            ("p50 / p99", f"{measured.p50_ms:.0f} / {measured.p99_ms:.0f} ms"),
            (
                "clicks logged / requests / errors",
                f"{clicks:,} / {measured.requests:,} / {measured.errors:,}",
            ),
        ],
    )
