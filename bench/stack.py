"""The bot under test in its own process, with the fast Bot API sink in another."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.harness import bot_env, free_port, spawn, stop, wait_http


@dataclass(frozen=True)
class Running:
    """Where the bot and the sink listen."""

    http_url: str
    sink_url: str
    bot: subprocess.Popen[bytes]


@contextlib.contextmanager
def sink_process(folder: Path, name: str = "sink") -> Iterator[str]:
    """A fast sink process; yields its base URL."""
    port = free_port()
    log = folder / f"{name}.log"
    sink = spawn("bench.sink", ["--port", str(port)], {}, log)
    try:
        wait_http(f"http://127.0.0.1:{port}/__bench/stats", sink, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(sink)


@contextlib.contextmanager
def bot_process(
    folder: Path,
    database: Path,
    sink_url: str,
    *,
    mode: str = "vitrine",
    extra_env: Mapping[str, str] | None = None,
    name: str = "bot",
) -> Iterator[Running]:
    """The bot (or a baseline in its seat) in webhook mode against the sink at `sink_url`."""
    port = free_port()
    env = {
        **bot_env(folder, database, port, f"{sink_url}/bot"),
        # Webhook mode: the bot tells the sink its URL and takes updates posted to its route.
        "VITRINE_WEBHOOK_URL": "https://vitrine-bench.invalid",
        **(extra_env or {}),
    }
    log = folder / f"{name}.log"
    process = spawn("bench.bot_process", [mode], env, log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", process, log, timeout=180)
        yield Running(f"http://127.0.0.1:{port}", sink_url, process)
    finally:
        stop(process)
