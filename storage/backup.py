"""Online copies of the SQLite database and the checks a copy must pass before it is trusted.

The copy is SQLite's online backup API over one read transaction held for the whole copy: in WAL
mode writers go on meanwhile, and the copy is the database as it was when the copy began (one
snapshot, so every transaction is in it entirely or not at all). It is written beside the target
as `<target>.partial` and renamed when complete, so a half-made copy is never taken for a backup.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.database import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, sync_url

PAGES_PER_STEP = 2048  # 8 MiB at SQLite's default 4 KiB pages between progress reports

Progress = Callable[[int, int], None]  # (pages copied, pages in all)


def sqlite_path(url: str) -> Path:
    """The file behind a SQLite URL; ValueError for another database or an in-memory one."""
    if not is_sqlite(url):
        raise ValueError(
            "backups copy SQLite databases; back PostgreSQL up with pg_dump (README, PostgreSQL)"
        )
    database = make_url(sync_url(url)).database
    if not database or database == ":memory:":
        raise ValueError("an in-memory database has no file to copy")
    return Path(database)


def copy_database(source: Path, target: Path, progress: Progress | None = None) -> None:
    """Copy the database at `source` to `target` consistently, while others write to it."""
    if not source.exists():
        raise FileNotFoundError(source)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    writer = sqlite3.connect(partial, isolation_level=None)
    try:
        # The read transaction pins one snapshot across every step of the copy, so other
        # connections' commits neither restart it nor tear it.
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()

        def report(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        reader.backup(writer, pages=PAGES_PER_STEP, progress=report)
        reader.execute("ROLLBACK")
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        reader.close()
        writer.close()
    os.replace(partial, target)


@dataclass(frozen=True)
class CopyCheck:
    """What a copy holds, and whether it can be trusted."""

    integrity: list[str]  # PRAGMA integrity_check: ["ok"] when sound
    foreign_key_violations: int
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and self.foreign_key_violations == 0


FIGURES = {
    "users": "SELECT count(*) FROM users",
    "users forgotten": "SELECT count(*) FROM users WHERE forgotten_at IS NOT NULL",
    "orders": "SELECT count(*) FROM orders",
    "orders paid, fen": "SELECT coalesce(sum(amount_fen), 0) FROM orders WHERE status = 'paid'",
    "commissions": "SELECT count(*) FROM commissions",
    "commissions, fen": "SELECT coalesce(sum(amount_fen), 0) FROM commissions",
    "outbox": "SELECT count(*) FROM outbox",
    "outbox queued": "SELECT count(*) FROM outbox WHERE status = 'queued'",
    "outbox sending": "SELECT count(*) FROM outbox WHERE status = 'sending'",
    "outbox sent": "SELECT count(*) FROM outbox WHERE status = 'sent'",
    "cart items": "SELECT coalesce(sum(quantity), 0) FROM cart_items",
    "events": "SELECT count(*) FROM events",
}


def check_copy(path: Path) -> CopyCheck:
    """Integrity, foreign keys, and the ledger's and outbox's figures of the copy at `path`."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
        violations = len(db.execute("PRAGMA foreign_key_check").fetchall())
        figures = {name: int(db.execute(sql).fetchone()[0]) for name, sql in FIGURES.items()}
    finally:
        db.close()
    return CopyCheck(integrity, violations, figures)


def put_back(backup: Path, database: Path, aside: Path) -> None:
    """Replace the database file by the backup; the file it replaces is moved to `aside`.

    The bot must be stopped. The database's WAL and shared-memory files go with it, so no
    transaction of the replaced database is replayed onto the backup.
    """
    if database.exists():
        os.replace(database, aside)
    for suffix in ("-wal", "-shm"):
        extra = database.with_name(database.name + suffix)
        if extra.exists():
            os.replace(extra, aside.with_name(aside.name + suffix))
    copy_database(backup, database)
