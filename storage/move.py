"""Moving up: copy a SQLite deployment into an empty PostgreSQL database, then check the copy.

Both databases are first brought to the same schema (the migrations, as every start does). The
source is read in one transaction (one snapshot, even if a bot still writes to it), tables in
foreign-key order, in batches; the target is written in one transaction, so a failure part-way
leaves it as empty as it was and the move can simply be run again. The copy is then checked: the
row count of every table, and the ledger's and the outbox's figures (`storage/backup.FIGURES`),
must be equal on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Integer, Table, func, insert, select, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Connection

from storage.backup import FIGURES
from storage.database import SQLITE_BEGIN, migrate_sync, sync_url, tune_sync_engine
from storage.schema import metadata

BATCH_ROWS = 5_000

Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in the table)


class TargetNotEmpty(ValueError):
    """The target database already holds rows: a move only fills an empty one."""

    def __init__(self, table: str) -> None:
        super().__init__(f"the target database already has rows in {table}; move into an empty one")
        self.table = table


@dataclass(frozen=True)
class MoveReport:
    """What was copied, and whether both sides agree."""

    rows: dict[str, int]  # table -> rows copied
    source_figures: dict[str, int]
    target_figures: dict[str, int]
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _row_counts(conn: Connection) -> dict[str, int]:
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in metadata.sorted_tables
    }


def _figures(conn: Connection) -> dict[str, int]:
    return {name: int(conn.execute(text(sql)).scalar_one()) for name, sql in FIGURES.items()}


def _copy_table(source: Connection, target: Connection, table: Table, progress: Progress) -> int:
    total = int(source.execute(select(func.count()).select_from(table)).scalar_one())
    progress(table.name, 0, total)
    rows = source.execution_options(yield_per=BATCH_ROWS).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    copied = 0
    for batch in rows.partitions():
        target.execute(insert(table), [dict(row._mapping) for row in batch])
        copied += len(batch)
        progress(table.name, copied, total)
    return copied


def _advance_sequences(target: Connection) -> None:
    """Let PostgreSQL's id sequences continue after the copied ids (rows were inserted with
    their ids, which leaves a serial column's sequence at its start)."""
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = target.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": keys[0].name},
        ).scalar_one()
        if sequence is None:
            continue
        highest = target.execute(select(func.max(keys[0]))).scalar_one()
        target.execute(
            text("SELECT setval(:sequence, :next, false)"),
            {"sequence": sequence, "next": (highest or 0) + 1},
        )


def move_database(source_url: str, target_url: str, progress: Progress) -> MoveReport:
    """Copy every row of `source_url` into the empty database at `target_url`, then check."""
    migrate_sync(source_url)
    migrate_sync(target_url)
    # hide_parameters: a failed batch's error never carries its rows (merchants' secrets).
    source_engine = create_sync_engine(sync_url(source_url), hide_parameters=True)
    target_engine = create_sync_engine(sync_url(target_url), hide_parameters=True)
    tune_sync_engine(source_engine)
    tune_sync_engine(target_engine)
    try:
        with source_engine.connect() as source, target_engine.begin() as target:
            source.execution_options(**{SQLITE_BEGIN: "DEFERRED"})  # one snapshot for the reads
            source.begin()
            for table in metadata.sorted_tables:
                if target.execute(select(text("1")).select_from(table).limit(1)).first():
                    raise TargetNotEmpty(table.name)
            rows = {
                table.name: _copy_table(source, target, table, progress)
                for table in metadata.sorted_tables
            }
            if target.dialect.name == "postgresql":
                _advance_sequences(target)
            # Counted in the snapshot the rows were copied from, not the file as it is now.
            source_rows, source_figures = _row_counts(source), _figures(source)
        with target_engine.connect() as target:
            target_rows, target_figures = _row_counts(target), _figures(target)
    finally:
        source_engine.dispose()
        target_engine.dispose()
    mismatches = [
        f"{name}: {source_rows[name]} rows in the source, {target_rows[name]} in the target"
        for name in source_rows
        if source_rows[name] != target_rows[name]
    ] + [
        f"{name}: {source_figures[name]} in the source, {target_figures[name]} in the target"
        for name in source_figures
        if source_figures[name] != target_figures[name]
    ]
    return MoveReport(rows, source_figures, target_figures, mismatches)
