"""A failed statement's error names no parameter value: they are merchants' secrets and keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.database import create_engine


async def test_a_failed_statement_hides_its_parameters(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        async with engine.connect() as conn:
            with pytest.raises(OperationalError) as failure:
                await conn.execute(
                    text("SELECT key FROM no_such_table WHERE key = :key"),
                    {"key": "canary-callback-key-0042"},
                )
    finally:
        await engine.dispose()
    assert "no_such_table" in str(failure.value)
    assert "canary-callback-key-0042" not in str(failure.value)
