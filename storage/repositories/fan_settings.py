"""A fan's push preferences (one row per user, created with the user)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from storage.schema import fan_settings
from storage.unit_of_work import Database
from storage.upsert import upsert


@dataclass(frozen=True)
class FanSettingsRow:
    """The stored push preferences; minutes are minutes after local midnight."""

    push_mode: str = "instant"
    quiet_start_min: int = 22 * 60
    quiet_end_min: int = 8 * 60
    daily_cap: int = 3
    digest_hour: int = 20
    discovery_consent: bool = False


class FanSettingsRepository:
    """Reads and writes the fan_settings table."""

    def __init__(self, engine: Database) -> None:
        self._engine = engine

    async def get(self, user_id: int) -> FanSettingsRow:
        """The user's settings (the defaults if no row exists)."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(fan_settings).where(fan_settings.c.user_id == user_id))
            ).first()
        if row is None:
            return FanSettingsRow()
        r = row._mapping
        return FanSettingsRow(
            push_mode=r["push_mode"],
            quiet_start_min=r["quiet_start_min"],
            quiet_end_min=r["quiet_end_min"],
            daily_cap=r["daily_cap"],
            digest_hour=r["digest_hour"],
            discovery_consent=bool(r["discovery_consent"]),
        )

    async def save(self, user_id: int, values: FanSettingsRow) -> None:
        """Store the user's settings, creating the row if needed."""
        async with self._engine.begin() as conn:
            await conn.execute(
                upsert(conn, fan_settings, {"user_id": user_id, **asdict(values)}, ("user_id",))
            )
