"""`push-pg`: `push` on the scale-out — PostgreSQL, Redis, 2 worker processes and a scheduler.

The same campaign as `push` (200 / 10,000 fans), seeded in SQLite and moved into a fresh
PostgreSQL database with `migrate-data`'s own code (storage/move.py). Then `vitrine run --role
scheduler` fires it and two `--role worker` processes send it through the one send gate they
share in Redis, to the strict sandbox (its own process: 30/s per bot, 1/s per chat, 429 past
them). Baseline and target as `push`: the configured pace, delivered in steady state ≥ 0.97 × it,
0 × 429 (the shared limit holds across the two workers), 0 lost, 0 duplicates.

The server is VITRINE_BENCH_POSTGRES_URL (default the machine's own, 127.0.0.1:5432, trust auth)
and Redis VITRINE_BENCH_REDIS_URL (default 127.0.0.1:6379); the database made for the run is
dropped at its end.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.bench_push import prepare, push_verdict, wait_until_sent
from bench.harness import BOT_TOKEN, SECRET_KEY, Verdict, free_port, spawn, stop, wait_http
from storage.database import create_engine
from storage.move import move_database
from storage.schema import outbox

NAME = "push-pg"
WORKERS = 2
SERVER_ENV, DEFAULT_SERVER = (
    "VITRINE_BENCH_POSTGRES_URL",
    "postgresql://postgres@127.0.0.1:5432/postgres",
)
REDIS_ENV, DEFAULT_REDIS = "VITRINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"


def _admin(statement: str) -> None:
    import psycopg

    server = os.environ.get(SERVER_ENV, DEFAULT_SERVER).replace("+asyncpg", "")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def _database_url(name: str) -> str:
    server = os.environ.get(SERVER_ENV, DEFAULT_SERVER)
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def fresh_database() -> tuple[str, str]:
    """A new, empty PostgreSQL database for one run: (its name, its URL)."""
    name = f"vitrine_bench_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    return name, _database_url(name)


def drop_database(name: str) -> None:
    """Drop a run's database (its processes stopped or not)."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _counts(url: str, campaign_id: int) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(outbox.c.status, func.count())
                .where(outbox.c.campaign_id == campaign_id)
                .group_by(outbox.c.status)
            )
            return {str(status): int(n) for status, n in rows}
    finally:
        await engine.dispose()


def _forget_gate(namespace: str) -> None:
    """A rested shared limit: nothing left in Redis by an earlier run."""
    from redis import Redis

    redis = Redis.from_url(os.environ.get(REDIS_ENV, DEFAULT_REDIS))
    keys = list(redis.scan_iter(f"vitrine:{namespace}:*"))
    if keys:
        redis.delete(*keys)
    redis.close()


def run(folder: Path, quick: bool) -> Verdict:
    """Move `push`'s campaign into PostgreSQL and send it with two workers."""
    database, fans, campaign_id, starts_at, users = prepare(folder, quick)
    name, url = fresh_database()
    try:
        move_database(f"sqlite+aiosqlite:///{database}", url, lambda *_: None)
        _forget_gate(BOT_TOKEN.split(":", 1)[0])
        sandbox_port = free_port()
        sandbox_log = folder / "sandbox.log"
        sandbox = spawn("bench.sandbox_process", [str(sandbox_port), str(users)], {}, sandbox_log)
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        processes = []
        try:
            wait_http(f"{sandbox_url}/bench/stats", sandbox, sandbox_log)
            shared = {
                "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
                "VITRINE_TELEGRAM_API_URL": f"{sandbox_url}/bot",
                "VITRINE_TELEGRAM_FILE_URL": f"{sandbox_url}/file/bot",
                "VITRINE_DATABASE_URL": url,
                "VITRINE_SECRET_KEY": SECRET_KEY,
                "VITRINE_REDIS_URL": os.environ.get(REDIS_ENV, DEFAULT_REDIS),
                # No fan writes in this benchmark: nothing is delivered to the webhook.
                "VITRINE_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}",
                "VITRINE_LOG_LEVEL": "WARNING",
            }
            roles = ["scheduler"] + ["worker"] * WORKERS
            for n, role in enumerate(roles):
                port, log = free_port(), folder / f"{role}-{n}.log"
                env = {
                    **shared,
                    "VITRINE_HTTP_PORT": str(port),
                    "VITRINE_DATA_DIR": str(folder / f"data-{n}"),
                }
                process = spawn("bot.cli", ["run", "--role", role], env, log)
                processes.append((process, log, port))
            for process, log, port in processes:
                wait_http(f"http://127.0.0.1:{port}/healthz", process, log, timeout=120)
            wait_until_sent(
                lambda: asyncio.run(_counts(url, campaign_id)),
                [(process, log) for process, log, _ in processes],
                fans,
            )
            measured = httpx.get(f"{sandbox_url}/bench/stats", timeout=30).json()
        finally:
            for process, _log, _port in processes:
                stop(process)
            stop(sandbox)
    finally:
        drop_database(name)
    return push_verdict(
        NAME, measured, fans, starts_at, f"{fans:,} fans, PostgreSQL + Redis, {WORKERS} workers"
    )
