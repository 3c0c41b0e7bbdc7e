"""`vitrine migrate-data`: a SQLite deployment moved into PostgreSQL, as an operator moves up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.demo.seed import seed_into
from bot.services import Services
from storage.schema import commissions, metadata, orders, users
from tests.auxil.databases import empty_postgres_url, postgresql_only
from tests.conftest import make_settings
from tests.services.test_order_events import apply, click_on_item_1, event, shop

pytestmark = postgresql_only("moves a deployment into a PostgreSQL server")


async def a_sqlite_deployment_with_a_sale(tmp_path: Path) -> str:
    """The demo catalogue, a fan, a click, a paid order with its commission, and a refund."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    services = await Services.start(make_settings(tmp_path, VITRINE_DATABASE_URL=url))
    try:
        await seed_into(services.repos, tmp_path / "photos")
        await services.repos.users.upsert_from_telegram(7001, "Ann", None, "en")
        merchant = await shop(services)
        click = await click_on_item_1(services, at=datetime.now(UTC))
        await apply(services, merchant, event("paid", click=click, quantity=2), "m-1")
        await apply(services, merchant, event("paid", order_id="T-2", click=click), "m-2")
        await apply(services, merchant, event("refunded", order_id="T-2", click=click), "m-3")
    finally:
        await services.close()
    return url


async def counted(services: Services) -> dict[str, int]:
    async with services.repos.engine.connect() as conn:
        return {
            table.name: int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            )
            for table in metadata.sorted_tables
        }


async def ledger(services: Services) -> tuple[int, int]:
    """(fen of paid orders, fen of every commission row) as the database sums them."""
    async with services.repos.engine.connect() as conn:
        paid = select(func.sum(orders.c.amount_fen)).where(orders.c.status == "paid")
        booked = select(func.sum(commissions.c.amount_fen))
        return (
            int((await conn.execute(paid)).scalar_one()),
            int((await conn.execute(booked)).scalar_one()),
        )


async def test_every_row_moves_and_the_bot_carries_on_in_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = await a_sqlite_deployment_with_a_sale(tmp_path)
    target = empty_postgres_url()
    before = await Services.start(make_settings(tmp_path, VITRINE_DATABASE_URL=source))
    try:
        rows_before, ledger_before = await counted(before), await ledger(before)
        order_1_before = await before.repos.commissions.of_order(1)
    finally:
        await before.close()
    assert rows_before["orders"] == 2 and rows_before["commissions"] >= 2
    assert ledger_before[0] == 2 * 16900  # the refunded order is not paid

    assert main(["migrate-data", "--from", source, "--to", target]) == 0
    said = capsys.readouterr().out
    assert "match the source" in said and "VITRINE_SECRET_KEY" in said

    after = await Services.start(make_settings(tmp_path, VITRINE_DATABASE_URL=target))
    try:
        assert await counted(after) == rows_before
        assert await ledger(after) == ledger_before
        assert await after.repos.commissions.of_order(1) == order_1_before
        # New rows continue after the copied ids instead of colliding with them.
        newcomer = await after.repos.users.upsert_from_telegram(7002, "Bo", None, "zh-hans")
        async with after.repos.engine.connect() as conn:
            copied = select(func.max(users.c.id)).where(users.c.telegram_id != 7002)
            highest_copied = (await conn.execute(copied)).scalar_one()
        assert newcomer.id == highest_copied + 1
    finally:
        await after.close()


async def test_a_target_that_already_has_rows_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = await a_sqlite_deployment_with_a_sale(tmp_path)
    target = empty_postgres_url()
    assert main(["migrate-data", "--from", source, "--to", target]) == 0
    capsys.readouterr()
    assert main(["migrate-data", "--from", source, "--to", target]) == 1
    assert "already has rows" in capsys.readouterr().err
    after = await Services.start(make_settings(tmp_path, VITRINE_DATABASE_URL=target))
    try:
        assert (await counted(after))["orders"] == 2  # not doubled, not emptied
    finally:
        await after.close()


def test_the_urls_must_go_from_sqlite_to_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate-data", "--from", "postgresql://a@b/c", "--to", "sqlite:///x.db"]) == 2
    assert "--from takes a sqlite" in capsys.readouterr().err
    assert main(["migrate-data", "--from", "mysql://u:pw@h/x", "--to", "postgresql://a@b/c"]) == 2
    err = capsys.readouterr().err
    assert "--from:" in err and "pw" not in err


async def test_a_row_postgresql_refuses_fails_the_move_in_one_line_without_its_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite ignores a column's declared length; PostgreSQL refuses the row, and the move."""
    import sqlite3

    source = await a_sqlite_deployment_with_a_sale(tmp_path)
    secret = "S3CRET-" + "x" * 200  # longer than merchant_secrets.secret's 128
    with sqlite3.connect(tmp_path / "old.sqlite3") as db:
        db.execute("UPDATE merchant_secrets SET secret = ?", (secret,))
    target = empty_postgres_url()
    assert main(["migrate-data", "--from", source, "--to", target]) == 1
    said = capsys.readouterr()
    failure = [line for line in said.err.splitlines() if line.startswith("vitrine:")]
    assert len(failure) == 1 and "too long" in failure[0] and "left empty" in failure[0]
    assert "S3CRET" not in said.err + said.out
    after = await Services.start(make_settings(tmp_path, VITRINE_DATABASE_URL=target))
    try:
        rows = await counted(after)
        # Only the partner whitelist, which every start writes; nothing of the copy.
        assert {name for name, n in rows.items() if n} == {"partners"}
    finally:
        await after.close()
