"""A concurrent writer: small write transactions while a benchmark runs, each commit timed.

`python -m bench.writer DB OUT SECONDS` writes a favourite-sized row (an event) every 20 ms in
its own `BEGIN IMMEDIATE … COMMIT` with the bot's busy timeout, for SECONDS or until SIGTERM,
then writes the commit latencies (ms, including the wait for the write lock) to OUT as JSON.
It stands for the fans who press ♥ while a fan-out plans.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import time
from pathlib import Path

from storage.database import SQLITE_BUSY_TIMEOUT_MS

INTERVAL_SECONDS = 0.02


def main() -> int:
    """Write, time, and report."""
    database, out, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    db = sqlite3.connect(database, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    while not stopping and time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO events (kind, at, user_id, expert_id, item_id, source)"
                " VALUES ('favourite', ?, NULL, 1, 1, 'bench')",
                (int(time.time()),),
            )
            db.execute("COMMIT")
            latencies.append((time.perf_counter() - began) * 1000)
        except sqlite3.OperationalError:  # "database is locked" past the busy timeout
            errors += 1
            if db.in_transaction:
                db.execute("ROLLBACK")
        time.sleep(INTERVAL_SECONDS)
    db.close()
    out.write_text(json.dumps({"latencies_ms": latencies, "errors": errors}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
