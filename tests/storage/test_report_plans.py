"""The campaign report reads indexes only: SQLite's query plan for each of its statements, on a
real file. (How fast it is belongs to bench/; which index it reads is a fact a test can check.)

On SQLite the report reads the campaign's counters by primary key; counted from the raw rows (the
other databases' way, and the counters' recount) each statement reads a covering index."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.bench_reports import seed_report_load
from storage.database import create_engine
from storage.repositories.analytics import AnalyticsRepository


async def test_each_campaign_report_statement_reads_a_covering_index(tmp_path: Path) -> None:
    load = seed_report_load(
        tmp_path / "report.sqlite3", fans=50, outbox_rows=300, event_rows=300, click_rows=100
    )
    # The schema's indexes (test_migrations proves the migrations build the same ones).
    engine = create_engine(f"sqlite+aiosqlite:///{load.path}")
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    report = AnalyticsRepository(engine)
    assert await report.campaign_report(1, interval_seconds=3600, from_rows=True) is not None
    raw = list(statements)
    statements.clear()
    assert await report.campaign_report(1, interval_seconds=3600) is not None
    await engine.dispose()

    plans = _plans(load.path, raw)
    kept = _plans(load.path, statements)
    assert [s for s in kept if "campaign_" in s]
    for statement, plan in kept.items():
        assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), (statement, plan)
        if "campaign_counters" in statement or "campaign_timeline" in statement:
            assert "USING PRIMARY KEY (campaign_id=?)" in plan, (statement, plan)
    assert not [s for s in plans if "UNION" in s.upper()]  # no rows copied to a temporary table
    by_table = {
        "FROM outbox": "ix_outbox_campaign_status",
        "FROM clicks": "ix_clicks_campaign",
        "FROM events": "ix_events_campaign_kind",
    }
    checked = 0
    for statement, plan in plans.items():
        for table, index in by_table.items():
            if table in statement:
                assert f"COVERING INDEX {index}" in plan, (statement, plan)
                checked += 1
    assert checked >= 6  # outbox ×2, clicks ×2, events ×2


def _plans(path: Path, statements: list[tuple[str, Any]]) -> dict[str, str]:
    db = sqlite3.connect(path)
    plans = {
        statement: " | ".join(
            str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
        for statement, parameters in statements
    }
    db.close()
    return plans
