"""Where a person is in a multi-step conversation, kept in the database.

A conversation (registering a shop, publishing an item, writing a rejection reason…) is a
named flow with steps. The person's position — flow, step, what they entered so far, when they
last moved — is one row, read on every update, so a restart or another process picks up the
next message exactly where the person was. At most one flow per person: starting one replaces
the other. A flow left untouched past its timeout ends at the person's next message; the time is
stored, so restarts do not reset it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.services import Services

_KEY = "flow:{user_id}"


@dataclass(frozen=True)
class Position:
    """A person's place in a flow."""

    flow: str
    step: str
    updated_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)

    def expired(self, now: datetime, timeout: timedelta) -> bool:
        """True once the person has not moved for longer than `timeout`."""
        return now - self.updated_at > timeout


def _now() -> datetime:
    return datetime.now(UTC)


def _from_row(value: Any) -> Position | None:
    if not isinstance(value, dict):
        return None
    try:
        return Position(
            flow=str(value["flow"]),
            step=str(value["step"]),
            updated_at=datetime.fromtimestamp(float(value["updated_at"]), UTC),
            data=dict(value.get("data") or {}),
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        return None  # a damaged row is no position: the person starts afresh


def _to_row(position: Position) -> dict[str, Any]:
    return {
        "flow": position.flow,
        "step": position.step,
        "updated_at": position.updated_at.timestamp(),
        "data": dict(position.data),
    }


async def position(services: Services, user_id: int) -> Position | None:
    """Where the person is, or None when they are in no flow."""
    return _from_row(await services.repos.bot_state.get(_KEY.format(user_id=user_id)))


async def enter(
    services: Services, user_id: int, flow: str, step: str, data: Mapping[str, Any] | None = None
) -> Position:
    """Start `flow` at `step` (any other flow the person was in ends)."""
    moved = Position(flow, step, _now(), dict(data or {}))
    await services.repos.bot_state.put(_KEY.format(user_id=user_id), _to_row(moved))
    return moved


async def move(
    services: Services, user_id: int, current: Position, step: str, **data: Any
) -> Position:
    """Go to `step` of the current flow, adding `data` to what was entered."""
    moved = Position(current.flow, step, _now(), {**current.data, **data})
    await services.repos.bot_state.put(_KEY.format(user_id=user_id), _to_row(moved))
    return moved


async def leave(services: Services, user_id: int) -> None:
    """End whatever flow the person is in."""
    await services.repos.bot_state.delete(_KEY.format(user_id=user_id))
