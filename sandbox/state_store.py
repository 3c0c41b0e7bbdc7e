"""The SQLite file behind a saved sandbox: its tables, reading it whole, writing one batch.

Each save is one transaction (WAL journal): a process killed mid-write leaves the file as it was
after the previous save, never half-written. synchronous=NORMAL keeps commits cheap; it survives
a killed process, though not a power cut in the last instants.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
FILE_NAME = "sandbox.sqlite3"

# Tables with an implicit rowid keep the order rows were first written in (users, presses).
# No WITHOUT ROWID tables: SQLite 3.40's quick_check reports false NULLs in some of them.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id INTEGER NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bots (token TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS updates (
    token TEXT NOT NULL, update_id INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (token, update_id)
);
CREATE TABLE IF NOT EXISTS chats (
    token TEXT NOT NULL, chat_id INTEGER NOT NULL, next_message_id INTEGER NOT NULL,
    PRIMARY KEY (token, chat_id)
);
CREATE TABLE IF NOT EXISTS messages (
    token TEXT NOT NULL, chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (token, chat_id, message_id)
);
CREATE TABLE IF NOT EXISTS deletions (
    token TEXT NOT NULL, chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (token, chat_id, seq)
);
CREATE TABLE IF NOT EXISTS callbacks (
    id TEXT NOT NULL UNIQUE, token TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (file_id TEXT PRIMARY KEY, data TEXT NOT NULL, content BLOB NOT NULL);
"""
# Everything but meta, which keeps the counters through a /sim/reset.
RECORD_TABLES = ("users", "bots", "updates", "chats", "messages", "deletions", "callbacks", "files")
READ_QUERIES = {
    "meta": "SELECT key, value FROM meta",
    "users": "SELECT data FROM users ORDER BY rowid",
    "bots": "SELECT token, data FROM bots",
    "updates": "SELECT token, data FROM updates ORDER BY token, update_id",
    "chats": "SELECT token, chat_id, next_message_id FROM chats",
    "messages": "SELECT token, chat_id, data FROM messages ORDER BY token, chat_id, message_id",
    "deletions": "SELECT token, chat_id, message_id, seq FROM deletions ORDER BY seq",
    "callbacks": "SELECT token, data FROM callbacks ORDER BY rowid",
    "files": "SELECT data, content FROM files",
}


class UnreadableState(Exception):
    """The state file exists but cannot be trusted (not SQLite, damaged, or another version)."""


@dataclass
class Batch:
    """The rows one save writes, in one transaction (built on the loop, written off it)."""

    reset: bool = False
    meta: dict[str, str] = field(default_factory=dict)
    users: list[tuple[int, str]] = field(default_factory=list)
    bots: list[tuple[str, str]] = field(default_factory=list)
    updates: list[tuple[str, int, str]] = field(default_factory=list)
    # (token, lowest update_id still pending or None if none): confirmed updates go.
    updates_kept_from: list[tuple[str, int | None]] = field(default_factory=list)
    chats: list[tuple[str, int, int]] = field(default_factory=list)
    messages: list[tuple[str, int, int, str]] = field(default_factory=list)
    messages_gone: list[tuple[str, int, int]] = field(default_factory=list)
    deletions: list[tuple[str, int, int, int]] = field(default_factory=list)
    callbacks: list[tuple[str, str, str]] = field(default_factory=list)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)


class StateFile:
    """One open state database; use from one thread at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise OSError(f"cannot open the sandbox state file {path}: {exc}") from exc

    def read_all(self) -> dict[str, list[tuple[Any, ...]]]:
        """Return every table's rows; raise UnreadableState if the file can't be trusted."""
        try:
            tables = {
                name for (name,) in self._db.execute("SELECT name FROM sqlite_master")
            }  # also the first read: "file is not a database" shows here
            if not tables:
                return {}  # a new, empty file
            check = self._db.execute("PRAGMA quick_check").fetchall()
            if check != [("ok",)]:
                raise UnreadableState(f"damaged: {check[0][0]}")
            version = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if version is None or version[0] != str(SCHEMA_VERSION):
                found = version[0] if version else "none"
                raise UnreadableState(f"version {found}, this sandbox reads {SCHEMA_VERSION}")
            return {
                name: self._db.execute(query).fetchall() for name, query in READ_QUERIES.items()
            }
        except sqlite3.DatabaseError as exc:
            raise UnreadableState(str(exc)) from exc

    def prepare(self) -> None:
        """Create the tables if missing; switch to the WAL journal."""
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('version', ?)", (str(SCHEMA_VERSION),)
        )

    def write(self, batch: Batch) -> None:
        """Write `batch` in one transaction (all of it or, on any failure, none)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if batch.reset:
                for table in RECORD_TABLES:
                    db.execute(f"DELETE FROM {table}")
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                batch.meta.items(),
            )
            db.executemany(
                "INSERT INTO users (id, data) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                batch.users,
            )
            db.executemany("INSERT OR REPLACE INTO bots (token, data) VALUES (?, ?)", batch.bots)
            for token, lowest in batch.updates_kept_from:
                if lowest is None:
                    db.execute("DELETE FROM updates WHERE token = ?", (token,))
                else:
                    db.execute(
                        "DELETE FROM updates WHERE token = ? AND update_id < ?", (token, lowest)
                    )
            db.executemany(
                "INSERT OR REPLACE INTO updates (token, update_id, data) VALUES (?, ?, ?)",
                batch.updates,
            )
            db.executemany(
                "INSERT OR REPLACE INTO chats (token, chat_id, next_message_id) VALUES (?, ?, ?)",
                batch.chats,
            )
            db.executemany(
                "INSERT OR REPLACE INTO messages (token, chat_id, message_id, data)"
                " VALUES (?, ?, ?, ?)",
                batch.messages,
            )
            db.executemany(
                "DELETE FROM messages WHERE token = ? AND chat_id = ? AND message_id = ?",
                batch.messages_gone,
            )
            db.executemany(
                "INSERT OR REPLACE INTO deletions (token, chat_id, message_id, seq)"
                " VALUES (?, ?, ?, ?)",
                batch.deletions,
            )
            db.executemany(
                "INSERT INTO callbacks (id, token, data) VALUES (?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                batch.callbacks,
            )
            db.executemany(
                "INSERT OR IGNORE INTO files (file_id, data, content) VALUES (?, ?, ?)",
                batch.files,
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close the database (the WAL is folded back into the file)."""
        self._db.close()


def set_aside(path: Path) -> Path:
    """Rename an unreadable state file (and its journal) out of the way; return the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.unreadable-{stamp}")
    suffix = 0
    while target.exists():
        suffix += 1
        target = path.with_name(f"{path.name}.unreadable-{stamp}-{suffix}")
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        if side.exists():
            side.rename(target.with_name(target.name + extra))
    path.rename(target)
    return target
