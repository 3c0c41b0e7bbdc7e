"""Users (fans, experts, merchants and admins are all users) and their push settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from bot.domain.language import is_supported, person_language
from storage.schema import fan_settings, users
from storage.unit_of_work import Database


@dataclass(frozen=True)
class User:
    """A person known to the bot."""

    id: int
    telegram_id: int | None
    first_name: str
    language: str  # what every message to them is written in (bot/domain/language.py)
    timezone: str
    onboarded: bool
    unreachable: bool
    created_at: datetime
    username: str | None = None
    language_chosen: bool = False  # picked in /settings; else it follows the client
    client_language: str | None = None  # the client's language tag as last seen


def _to_user(row: Any) -> User:
    """A users row as the dataclass (rows are typed by their columns, not statically)."""
    return User(
        id=row.id,
        telegram_id=row.telegram_id,
        first_name=row.first_name,
        language=row.language,
        timezone=row.timezone,
        onboarded=row.onboarded_at is not None,
        unreachable=row.unreachable_at is not None,
        created_at=row.created_at,
        username=row.username,
        language_chosen=row.language_chosen,
        client_language=row.client_language,
    )


def client_tag(language_code: str | None) -> str | None:
    """The client's language tag as stored (Telegram sends at most a short IETF tag)."""
    return language_code[:35] if language_code else None


def _telegram_changes(
    row: Any, first_name: str, username: str | None, language_code: str | None
) -> dict[str, object]:
    """What a user's row must change to match what Telegram says of them now (empty: nothing)."""
    changes: dict[str, object] = {}
    if row.first_name != first_name[:128] or row.username != username:
        changes.update(first_name=first_name[:128], username=username)
    if row.client_language != client_tag(language_code):
        changes["client_language"] = client_tag(language_code)
    language = person_language(
        chosen=row.language_chosen, stored=row.language, client_code=language_code
    )
    if row.language != language:
        changes["language"] = language
    if row.unreachable_at is not None:
        changes["unreachable_at"] = None  # they wrote to us: reachable again
    return changes


class UserRepository:
    """Create, find and update users by their Telegram identity."""

    def __init__(self, engine: Database, *, default_timezone: str = "Asia/Shanghai") -> None:
        self._engine = engine
        self._default_timezone = default_timezone

    async def upsert_from_telegram(
        self,
        telegram_id: int,
        first_name: str,
        username: str | None,
        language_code: str | None,
    ) -> User:
        """Return the user for this Telegram id, creating them (with settings) on first contact.

        The language follows Telegram's until the user picks one with /settings.
        """
        now = datetime.now(UTC)
        # Most updates come from someone already known, unchanged: a read, with no writer's turn
        # taken (on PostgreSQL every writing transaction queues on one lock).
        async with self._engine.connect() as conn:
            known = (
                await conn.execute(select(users).where(users.c.telegram_id == telegram_id))
            ).first()
        if known is not None and not _telegram_changes(known, first_name, username, language_code):
            return _to_user(known)
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(select(users).where(users.c.telegram_id == telegram_id))
            ).first()
            if row is None:
                result = await conn.execute(
                    insert(users).values(
                        telegram_id=telegram_id,
                        first_name=first_name[:128],
                        username=username,
                        language=person_language(
                            chosen=False, stored=None, client_code=language_code
                        ),
                        language_chosen=False,
                        client_language=client_tag(language_code),
                        timezone=self._default_timezone,
                        created_at=now,
                    )
                )
                key = result.inserted_primary_key
                if key is None:  # every INSERT of a row with an integer primary key returns it
                    raise RuntimeError("the database returned no id for the new user")
                user_id = key[0]
                await conn.execute(insert(fan_settings).values(user_id=user_id))
            else:
                changes = _telegram_changes(row, first_name, username, language_code)
                if changes:
                    await conn.execute(update(users).where(users.c.id == row.id).values(**changes))
                user_id = row.id
            fresh = (await conn.execute(select(users).where(users.c.id == user_id))).one()
        return _to_user(fresh)

    async def get(self, user_id: int) -> User | None:
        """The user with this internal id, if any."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(users).where(users.c.id == user_id))).first()
        return None if row is None else _to_user(row)

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        """The user with this Telegram id, if any."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(users).where(users.c.telegram_id == telegram_id))
            ).first()
        return None if row is None else _to_user(row)

    async def set_language(self, user_id: int, language: str) -> None:
        """Pin the user's language (it no longer follows Telegram's)."""
        if not is_supported(language):
            raise ValueError(f"unsupported language {language!r}")
        async with self._engine.begin() as conn:
            await conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(language=language, language_chosen=True)
            )

    async def mark_onboarded(self, user_id: int) -> bool:
        """Record that onboarding was shown; True only the first time."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(users)
                .where(users.c.id == user_id, users.c.onboarded_at.is_(None))
                .values(onboarded_at=datetime.now(UTC))
            )
        return result.rowcount == 1

    async def mark_unreachable(self, telegram_id: int) -> None:
        """The user blocked the bot: stop sending until they write again."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(users)
                .where(users.c.telegram_id == telegram_id, users.c.unreachable_at.is_(None))
                .values(unreachable_at=datetime.now(UTC))
            )
