"""`vitrine backup` under load makes a consistent, sound copy; `vitrine restore` puts it back and
forgets again everyone who asked to be forgotten since."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import cli
from bot.demo.seed import seed_into
from bot.domain.errors import DomainError
from bot.fan import cart, privacy
from bot.services import Services
from storage import backup as backup_module
from storage.backup import check_copy, copy_database
from tests.auxil.databases import sqlite_only
from tests.conftest import make_settings

FANS = 40
WRITERS = 4


@pytest.fixture
async def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path)
    # The CLI reads its settings from the environment, as `vitrine backup` does.
    monkeypatch.setenv("VITRINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VITRINE_DATABASE_URL", settings.database_url)
    started = await Services.start(settings)
    await seed_into(started.repos, tmp_path / "photos")
    yield started
    await started.close()


async def fans(services: Services) -> list[int]:
    made = []
    for n in range(FANS):
        user = await services.repos.users.upsert_from_telegram(5000 + n, f"F{n}", None, "en")
        made.append(user.id)
    return made


async def load(services: Services, fan_ids: list[int], stop: asyncio.Event) -> int:
    """Cart adds (a cart row and its event in one transaction) until told to stop."""
    added = 0
    rng = random.Random(7)
    while not stop.is_set():
        try:
            await cart.add_to_cart(services, fan_id=rng.choice(fan_ids), item_id=rng.randint(1, 12))
            added += 1
        except DomainError:
            pass  # an item not buyable now (sold out, presale)
        await asyncio.sleep(0)
    return added


def cart_adds_and_quantities(path: Path) -> tuple[int, int]:
    db = sqlite3.connect(path)
    adds = db.execute("SELECT count(*) FROM events WHERE kind = 'cart_add'").fetchone()[0]
    quantity = db.execute("SELECT coalesce(sum(quantity), 0) FROM cart_items").fetchone()[0]
    db.close()
    return adds, quantity


@sqlite_only("`vitrine backup` and `restore` copy SQLite files")
async def test_a_backup_under_load_is_one_consistent_snapshot(
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fan_ids = await fans(services)
    stop = asyncio.Event()
    writers = [asyncio.create_task(load(services, fan_ids, stop)) for _ in range(WRITERS)]
    await asyncio.sleep(0.5)
    # One page per step: writers commit between nearly every step of the copy.
    steps: list[tuple[int, int]] = []
    target = tmp_path / "copy.sqlite3"
    source = tmp_path / "vitrine.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(backup_module, "PAGES_PER_STEP", 1)
        await asyncio.to_thread(copy_database, source, target, lambda d, t: steps.append((d, t)))
    code = await asyncio.to_thread(cli.main, ["backup", str(tmp_path / "cli-copy.sqlite3")])
    stop.set()
    added = sum(await asyncio.gather(*writers))
    printed = capsys.readouterr().out

    check = check_copy(target)
    adds, quantity = cart_adds_and_quantities(target)
    live_adds, _ = cart_adds_and_quantities(source)
    print(
        f"\nbackup under {WRITERS} writers ({added} cart adds meanwhile): {len(steps)} steps, "
        f"integrity {check.integrity}, {check.foreign_key_violations} foreign key violations; "
        f"the copy holds {adds} adds and {quantity} in carts, the live database {live_adds}"
    )
    assert check.ok
    assert len(steps) > 10 and steps == sorted(steps)  # stepped, and never restarted
    assert adds == quantity  # every transaction entirely in the copy, or not at all
    assert 0 < adds < live_adds  # taken mid-load
    assert code == 0 and "integrity_check: ok" in printed and "cart items:" in printed
    assert check_copy(tmp_path / "cli-copy.sqlite3").ok


@sqlite_only("`vitrine backup` and `restore` copy SQLite files")
async def test_restore_forgets_again_whoever_asked_since_the_backup(
    services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fan_ids = await fans(services)
    early, late = fan_ids[0], fan_ids[1]
    await privacy.forget_me(services, user_id=early)  # before the backup: in it already
    await cart.add_to_cart(services, fan_id=late, item_id=1)
    copy = tmp_path / "nightly.sqlite3"
    assert await asyncio.to_thread(cli.main, ["backup", str(copy)]) == 0
    await privacy.forget_me(services, user_id=late)  # after the backup
    newcomer = await services.repos.users.upsert_from_telegram(5999, "New", None, "en")
    await privacy.forget_me(services, user_id=newcomer.id)  # joined and left after it
    await services.close()

    code = await asyncio.to_thread(cli.main, ["restore", str(copy)])
    printed = capsys.readouterr().out

    db = sqlite3.connect(tmp_path / "vitrine.sqlite3")
    late_row = db.execute(
        "SELECT telegram_id, first_name, forgotten_at FROM users WHERE id = ?", (late,)
    ).fetchone()
    late_cart = db.execute("SELECT count(*) FROM cart_items WHERE user_id = ?", (late,)).fetchone()
    others = db.execute(
        "SELECT count(*) FROM users WHERE telegram_id IS NOT NULL AND forgotten_at IS NULL"
    ).fetchone()
    db.close()
    print(f"\n{printed.strip().splitlines()[-1]}")
    assert code == 0
    assert late_row[0] is None and late_row[1] == "" and late_row[2] is not None
    assert late_cart == (0,)
    assert "1 forgotten again, 1 already forgotten in the backup, 1 joined after it" in printed
    assert others[0] > FANS - 2  # nobody else was forgotten
    # The database the restore replaced was kept aside.
    kept = await asyncio.to_thread(lambda: list(tmp_path.glob("vitrine.sqlite3.before-restore-*")))
    assert kept


async def test_a_forget_the_journal_cannot_record_is_not_done(
    services: Services, tmp_path: Path
) -> None:
    """Better asked again than forgotten only until the next restore."""
    (fan,) = (await fans(services))[:1]
    await cart.add_to_cart(services, fan_id=fan, item_id=1)
    journal = services.settings.data_dir / "forgets.jsonl"
    journal.mkdir(parents=True)  # a directory where the journal goes: every append fails
    with pytest.raises(OSError):
        await privacy.forget_me(services, user_id=fan)
    async with services.unit_of_work() as uow:
        assert await uow.fan_privacy.forgotten(fan) is False
        assert len(await uow.cart.lines(fan)) == 1
