"""A real SQLite file with an expert, her window and fans, for the campaign use cases' tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.campaigns import runs
from bot.campaigns.service import now_utc
from bot.services import Services
from storage.repositories.experts import Expert
from storage.repositories.fan_settings import FanSettingsRow
from storage.repositories.items import Item
from tests.conftest import make_settings

TZ = "Asia/Shanghai"


@dataclass
class RecordingRunner:
    """The campaign runtime's part of a use case, recorded.

    The real runtime needs PTB's application, its JobQueue and Telegram (the journeys run it
    against the sandbox); here what is checked is what the use case decided and asked of it.
    A fire is real all the same: the run's checks, side effects and fan-out (runs.fire_run).
    """

    services: Services
    calls: list[tuple[object, ...]] = field(default_factory=list)

    async def fire(self, campaign_id: int) -> int | None:
        self.calls.append(("fire", campaign_id))
        return await runs.fire_run(self.services, campaign_id, now_utc(), fired_by="test")

    def arm_start(self, campaign_id: int, when: datetime) -> None:
        self.calls.append(("arm_start", campaign_id, when))

    def wake(self) -> None:
        self.calls.append(("wake",))

    async def refresh_progress(self, campaign_id: int) -> None:
        self.calls.append(("refresh", campaign_id))


async def start_services(tmp_path: Path, **env: str) -> Services:
    """The services over a fresh, migrated database file (no bot, no Telegram)."""
    return await Services.start(make_settings(tmp_path, **env))


async def expert(
    services: Services, telegram_id: int, handle: str, *, status: str = "verified"
) -> tuple[int, Expert]:
    """A beauty expert (user id, profile)."""
    repos = services.repos
    user = await repos.users.upsert_from_telegram(telegram_id, handle.title(), None, "en")
    profile = await repos.experts.create(
        user_id=user.id,
        handle=handle,
        display_name=handle.title(),
        vertical="beauty",
        tags=["glow"],
        bio="Skincare that works.",
        status=status,
    )
    return user.id, profile


async def window(services: Services, expert_id: int, count: int) -> list[Item]:
    """`count` listed items in the expert's window."""
    return [
        await services.repos.items.create(
            expert_id=expert_id,
            partner_key="tmall",
            partner_item_id=f"{expert_id}{n:04d}",
            canonical_url=f"https://detail.tmall.com/item.htm?id={expert_id}{n:04d}",
            title=f"Serum {expert_id}-{n}",
            reason="Light and it works.",
            price_fen=9900 + n,
            stock=5,
        )
        for n in range(count)
    ]


async def fan(
    services: Services, telegram_id: int, expert_id: int, *tags: str, push_mode: str = "instant"
) -> int:
    """A fan who follows the expert, with interests, no quiet hours; returns the user id."""
    repos = services.repos
    user = await repos.users.upsert_from_telegram(telegram_id, f"Fan{telegram_id}", None, "en")
    await repos.follows.follow(user.id, expert_id, "link")
    for tag in tags:
        await repos.interests.toggle(user.id, tag)
    row = FanSettingsRow(quiet_start_min=0, quiet_end_min=0, push_mode=push_mode)
    await repos.fan_settings.save(user.id, row)
    return user.id
