"""/forget also reaches the outbox: nothing more is sent, no Telegram id or text is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from storage.database import create_engine, migrate
from storage.repositories import Repositories
from storage.schema import outbox
from tests.auxil.databases import fresh_database_url


async def test_forget_drops_unsent_messages_and_anonymises_sent_ones(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "forget")
    await migrate(url)
    engine = create_engine(url)
    repos = Repositories.build(engine, default_timezone="Asia/Shanghai")
    fan = await repos.users.upsert_from_telegram(424242, "Ann", None, "en")
    other = await repos.users.upsert_from_telegram(515151, "Bo", None, "en")
    now = datetime.now(UTC)
    payload = {"method": "sendMessage", "params": {"chat_id": 424242, "text": "Hi Ann"}}
    async with engine.begin() as conn:
        for key, user, status in (
            ("sent", fan.id, "sent"),
            ("queued", fan.id, "queued"),
            ("digest", fan.id, "digest"),
            ("other", other.id, "queued"),
        ):
            await conn.execute(
                insert(outbox).values(
                    kind="push",
                    chat_id=424242 if user == fan.id else 515151,
                    user_id=user,
                    dedup_key=key,
                    payload=payload,
                    status=status,
                    next_attempt_at=now,
                    created_at=now,
                )
            )

    await repos.fan_privacy.forget(fan.id)

    async with engine.connect() as conn:
        rows = {r.dedup_key: r for r in (await conn.execute(select(outbox))).all()}
    await engine.dispose()
    assert (rows["sent"].status, rows["queued"].status, rows["digest"].status) == (
        "sent",
        "dropped",
        "dropped",
    )
    for key in ("sent", "queued", "digest"):
        assert rows[key].chat_id == 0 and rows[key].payload == {}
    assert (
        rows["other"].status == "queued" and rows["other"].chat_id == 515151
    )  # someone else's, untouched
