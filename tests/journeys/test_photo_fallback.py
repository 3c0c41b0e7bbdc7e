"""A stored photo file id Telegram refuses: the bot uploads its own copy once and sends anyway.

On Telegram a file id outlives a bot restart, but it can still be refused (another token, a
restored backup, a reset sandbox). These tests give an item a well-formed file id that this
sandbox never issued, which it refuses as Telegram refuses an unknown one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime
from bot.campaigns.jobs import campaigns_of
from bot.demo.seed import seed_into
from tests.auxil.sim import Sim, text_of
from tests.faults.conftest import create_push, make_sim_users, seed_campaign_audience, wait_for

UNKNOWN_FILE_ID = "SBXPH000999" + "0" * 24  # a sandbox-shaped id this sandbox never issued


def _photo_sends(sandbox: Any) -> list[dict[str, Any]]:
    return [c for c in list(sandbox.sandbox.calls) if c["method"].lower() == "sendphoto"]


async def _make_photo_stale(runtime: Runtime, handle: str) -> Any:
    repos = runtime.services.repos
    expert = await repos.experts.by_handle(handle)
    assert expert is not None
    item = (await repos.items.window(expert.id, offset=0, limit=1))[0][0]
    await repos.items.remember_photo(item.id, UNKNOWN_FILE_ID)
    assert item.photo_path is not None  # the demo's photo is kept on disk: the bot's copy
    return item


async def test_a_window_whose_photo_id_is_refused_still_shows_the_photo(
    vitrine: Runtime, sim: Sim, sandbox: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    item = await _make_photo_stale(vitrine, "lina_beauty")
    fan = await sim.user(8101, "Fay", "en")

    card = await fan.ask("/window lina_beauty", lambda m: m.get("photo") is not None)
    assert item.title in text_of(card)

    # The new file id is stored just after the card is sent: the card can arrive first.
    async def new_id_kept() -> bool:
        kept = await vitrine.services.repos.items.get(item.id)
        return kept is not None and kept.photo_file_id not in (None, UNKNOWN_FILE_ID)

    await wait_for(new_id_kept, timeout=5)
    refreshed = await vitrine.services.repos.items.get(item.id)
    assert refreshed is not None

    # The next card goes by the new file id: nothing is uploaded again.
    before = len(_photo_sends(sandbox))
    await fan.ask("/window lina_beauty", lambda m: m.get("photo") is not None)
    again = _photo_sends(sandbox)[before:]
    assert again and all(c["params"].get("photo") == refreshed.photo_file_id for c in again)
    assert not [r for r in caplog.records if "handler failed" in r.getMessage()]


async def test_a_campaign_whose_photo_id_is_refused_is_sent_to_everyone_with_one_upload(
    vitrine: Runtime, sandbox: Any, tmp_path: Path
) -> None:
    fans = list(range(8200, 8240))
    await make_sim_users(sandbox.url, fans)
    repos = vitrine.services.repos
    expert_id, _ = await seed_campaign_audience(repos, tmp_path / "photos", fans)
    item = await _make_photo_stale(vitrine, "lina_beauty")
    campaign_id = await create_push(repos, expert_id, item.id)
    assert await campaigns_of(vitrine.application.bot_data).fire(campaign_id) == len(fans)

    async def all_settled() -> bool:
        counts = await repos.outbox.campaign_counts(campaign_id)
        return counts.get("sent", 0) + counts.get("failed", 0) == len(fans)

    await wait_for(all_settled, timeout=60)
    assert await repos.outbox.campaign_counts(campaign_id) == {"sent": len(fans)}
    sends = [c for c in _photo_sends(sandbox) if int(c["params"]["chat_id"]) in fans]
    refreshed = await repos.items.get(item.id)
    assert refreshed is not None and refreshed.photo_file_id not in (None, UNKNOWN_FILE_ID)
    by_old_id = [c for c in sends if c["params"].get("photo") == UNKNOWN_FILE_ID]
    by_new_id = [c for c in sends if c["params"].get("photo") == refreshed.photo_file_id]
    uploads = [c for c in sends if c not in by_old_id and c not in by_new_id]
    assert len(uploads) == 1 and uploads[0]["status"] == 200  # the copy, uploaded once
    assert all(c["status"] == 400 for c in by_old_id)  # refused: at most the sends in flight
    assert len(by_old_id) <= vitrine.services.settings.delivery.send_concurrency
    assert len(by_new_id) == len(fans) - 1 and all(c["status"] == 200 for c in by_new_id)
