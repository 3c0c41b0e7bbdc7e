"""Seeding a fresh SQLite file at the mission's scale: fans, follows, experts, items, pushes.

The schema comes from the real migrations; rows are written with sqlite3's executemany in a
few large transactions (synchronous off: a throwaway file), since seeding is not what is
measured. Every fan rule the fan-out applies appears in the audience, chosen by the fan's
number so that runs are reproducible:

- every 20th fan has push mode off, every 20th (offset 1) takes pushes as a digest;
- every 25th fan muted the expert, every 50th blocked the bot (unreachable);
- time zones: Shanghai, Berlin, New York and Sao Paulo, with three kinds of quiet hours;
- every 7th fan allows one push a day, and every 10th already got a push today, so the daily
  cap removes some of them (cap counted across experts, on the fan's local day).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.database import migrate

ZONES = ("Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "Europe/Berlin", "America/New_York")
QUIET = ((0, 0), (22 * 60, 8 * 60), (23 * 60, 7 * 60))
PHOTO_FILE_ID = "AgACAgbenchphoto-m"
CHUNK = 50_000


@dataclass(frozen=True)
class Seeded:
    """Ids a benchmark needs from what was seeded."""

    path: Path
    expert_ids: list[int]
    expert_owner_ids: list[int]
    fan_ids_first: int  # users.id of fan number 0; fan n has id first + n
    telegram_base: int  # telegram id of fan n is base + n
    fans: int
    items_per_expert: int
    first_item_id: int


def migrated(path: Path) -> None:
    """Create the schema in a new file through the real migrations."""
    asyncio.run(migrate(f"sqlite+aiosqlite:///{path}"))


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    return db


def _batches(total: int) -> Iterator[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(start + CHUNK, total))


def seed(
    path: Path,
    *,
    fans: int,
    experts: int = 1,
    items_per_expert: int = 3,
    follows_per_fan: int = 1,
    rules: bool = True,
    telegram_base: int = 10_000_000,
    now: datetime | None = None,
) -> Seeded:
    """Migrate `path` and fill it; fan n follows experts n, n+1, … (mod `experts`)."""
    migrated(path)
    moment = int((now or datetime.now(UTC)).timestamp())
    db = _connect(path)
    with db:
        db.execute(
            "INSERT INTO partners (key, name, config, updated_at) VALUES ('tmall', 'Tmall', '{}', ?)",
            (moment,),
        )
        owners = [
            (1_000 + e, f"Expert{e}", "zh_Hans", 0, "Asia/Shanghai", moment) for e in range(experts)
        ]
        db.executemany(
            "INSERT INTO users (telegram_id, first_name, language, language_chosen, timezone,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            owners,
        )
        owner_ids = [r[0] for r in db.execute("SELECT id FROM users ORDER BY id")]
        db.executemany(
            "INSERT INTO experts (user_id, handle, handle_key, display_name, vertical, tags, bio,"
            " status, created_at) VALUES (?, ?, ?, ?, 'beauty', '[]', '', 'verified', ?)",
            [
                (owner_ids[e], f"expert{e}", f"expert{e}", f"专家{e}", moment)
                for e in range(experts)
            ],
        )
        expert_ids = [r[0] for r in db.execute("SELECT id FROM experts ORDER BY id")]
        db.executemany(
            "INSERT INTO items (expert_id, partner_key, partner_item_id, canonical_url, title,"
            " reason, price_fen, stock, photo_file_id, tags, status, position, low_stock_warned,"
            " created_at, updated_at) VALUES (?, 'tmall', ?, ?, ?, ?, 9900, 1000000000, ?, '[]',"
            " 'listed', ?, 0, ?, ?)",
            (
                (
                    expert_id,
                    str(600_000_000_000 + e * items_per_expert + i),
                    f"https://detail.tmall.com/item.htm?id={600_000_000_000 + e * items_per_expert + i}",
                    f"商品 {e}-{i}",
                    "Chosen for its texture and the way it wears all day.",
                    PHOTO_FILE_ID,
                    i,
                    moment,
                    moment,
                )
                for e, expert_id in enumerate(expert_ids)
                for i in range(items_per_expert)
            ),
        )
        first_item = db.execute("SELECT min(id) FROM items").fetchone()[0]
    first_fan = max(owner_ids) + 1
    for batch in _batches(fans):
        with db:
            db.executemany(
                "INSERT INTO users (id, telegram_id, first_name, language, language_chosen,"
                " timezone, unreachable_at, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                (
                    (
                        first_fan + n,
                        telegram_base + n,
                        f"Fan{n}",
                        "en" if n % 3 else "zh_Hans",
                        ZONES[n % len(ZONES)] if rules else "Asia/Shanghai",
                        moment if rules and n % 50 == 3 else None,
                        moment,
                    )
                    for n in batch
                ),
            )
            db.executemany(
                "INSERT INTO fan_settings (user_id, push_mode, quiet_start_min, quiet_end_min,"
                " daily_cap, digest_hour, discovery_consent) VALUES (?, ?, ?, ?, ?, ?, 0)",
                (
                    (
                        first_fan + n,
                        ("off" if n % 20 == 0 else "digest" if n % 20 == 1 else "instant")
                        if rules
                        else "instant",
                        *(QUIET[n % len(QUIET)] if rules else (0, 0)),
                        1 if rules and n % 7 == 0 else 3,
                        n % 24,
                    )
                    for n in batch
                ),
            )
            db.executemany(
                "INSERT INTO follows (fan_id, expert_id, source, muted, created_at)"
                " VALUES (?, ?, 'link', ?, ?)",
                (
                    (
                        first_fan + n,
                        expert_ids[(n + k) % experts],
                        1 if rules and n % 25 == 2 else 0,
                        moment,
                    )
                    for n in batch
                    for k in range(min(follows_per_fan, experts))
                ),
            )
    db.close()
    return Seeded(
        path, expert_ids, owner_ids, first_fan, telegram_base, fans, items_per_expert, first_item
    )


def seed_pushes_today(seeded: Seeded, *, every: int = 10, now: datetime | None = None) -> int:
    """Every `every`-th fan already got a push of another campaign now; return how many rows."""
    moment = int((now or datetime.now(UTC)).timestamp())
    db = _connect(seeded.path)
    with db:
        db.execute(
            "INSERT INTO campaigns (expert_id, kind, status, item_ids, audience, started_at,"
            " created_at) VALUES (?, 'push', 'done', '[]', '{}', ?, ?)",
            (seeded.expert_ids[-1], moment, moment),
        )
        campaign_id = db.execute("SELECT max(id) FROM campaigns").fetchone()[0]
        rows = [
            (
                seeded.telegram_base + n,
                seeded.fan_ids_first + n,
                campaign_id,
                f"earlier:{n}",
                moment,
                moment,
                moment,
            )
            for n in range(5, seeded.fans, every)
        ]
        db.executemany(
            "INSERT INTO outbox (kind, chat_id, user_id, campaign_id, dedup_key, payload, status,"
            " attempts, next_attempt_at, sent_at, created_at)"
            " VALUES ('push', ?, ?, ?, ?, '{}', 'sent', 1, ?, ?, ?)",
            rows,
        )
    db.close()
    return len(rows)


def seed_demo_catalogue(path: Path, *, fans: int, telegram_base: int = 20_000_000) -> int:
    """The demo catalogue (shops, agreements, experts, items) plus `fans` fans; first fan's id."""
    from bot.demo.seed import seed_into
    from storage.database import create_engine
    from storage.repositories import Repositories

    migrated(path)

    async def demo() -> None:
        repos = Repositories.build(
            create_engine(f"sqlite+aiosqlite:///{path}"), default_timezone="Asia/Shanghai"
        )
        await seed_into(repos, path.parent / "photos")
        await repos.engine.dispose()

    asyncio.run(demo())
    moment = int(datetime.now(UTC).timestamp())
    db = _connect(path)
    with db:
        first = db.execute("SELECT max(id) FROM users").fetchone()[0] + 1
        db.executemany(
            "INSERT INTO users (id, telegram_id, first_name, language, language_chosen, timezone,"
            " created_at) VALUES (?, ?, ?, 'en', 0, 'Asia/Shanghai', ?)",
            ((first + n, telegram_base + n, f"Fan{n}", moment) for n in range(fans)),
        )
        db.executemany(
            "INSERT INTO fan_settings (user_id, push_mode, quiet_start_min, quiet_end_min,"
            " daily_cap, digest_hour, discovery_consent) VALUES (?, 'instant', 0, 0, 3, 20, 0)",
            ((first + n,) for n in range(fans)),
        )
        # Stock never runs out during a benchmark: the orders are all paid.
        db.execute("UPDATE items SET stock = 1000000000")
    db.close()
    return int(first)
