"""The forget journal: one line per /forget, kept beside the database and outside it.

A backup restored after a fan asked to be forgotten would bring their data back; `vitrine
restore` reads this journal and forgets them again. Lines hold only the internal user id and the
time (no Telegram id, no name): `{"user_id": 12, "at": "2026-12-01T21:00:00+00:00"}`. Appends are
single short writes in append mode, so processes sharing the data directory don't interleave.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

JOURNAL_NAME = "forgets.jsonl"


@dataclass(frozen=True)
class Forget:
    user_id: int
    at: datetime


def journal_path(data_dir: Path) -> Path:
    return data_dir / JOURNAL_NAME


def record(path: Path, user_id: int, at: datetime) -> None:
    """Append one forget and flush it to disk before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"user_id": user_id, "at": at.isoformat()}) + "\n"
    with path.open("a", encoding="utf-8") as journal:
        journal.write(line)
        journal.flush()
        os.fsync(journal.fileno())


def read(path: Path) -> list[Forget]:
    """Every forget recorded, oldest first; a torn last line (a crash mid-write) is skipped."""
    if not path.exists():
        return []
    forgets = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            forgets.append(Forget(int(entry["user_id"]), datetime.fromisoformat(entry["at"])))
        except (ValueError, KeyError, TypeError):
            continue
    return forgets
