"""A claim the database fails does not wedge the dispatcher: its rows' send slots come back, and
the message goes out on the next try. (Before, each failed claim kept its slots: with one slot,
nothing was ever sent again while /healthz still said ok.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.app import Runtime
from tests.auxil.sim import Sim, text_of
from tests.conftest import make_settings
from tests.faults.conftest import bot_against


async def test_a_failed_claim_gives_its_slot_back(
    tmp_path: Path, sandbox: object, sim: Sim
) -> None:
    settings = make_settings(tmp_path, VITRINE_SEND_CONCURRENCY="1")
    async with bot_against(sandbox, settings) as runtime:
        fan = await sim.user(7401, "Lan", "en")
        await fan.ask("/start", lambda m: "Lan" in text_of(m))
        repo = runtime.services.repos.outbox
        real_claim = repo.claim
        failures = [OperationalError("UPDATE outbox", {}, Exception("the database went away"))]

        # The database failing one claim: injected, as no real server can be made to fail one
        # statement on cue here.
        async def flaky_claim(row_ids: list[int], **kwargs: Any) -> set[int]:
            if failures and row_ids:
                raise failures.pop()
            return await real_claim(row_ids, **kwargs)

        repo.claim = flaky_claim  # type: ignore[method-assign]
        await notify(runtime, 7401, "first notice")
        await fan.wait_for(lambda m: "first notice" in text_of(m), timeout=15)
        await notify(runtime, 7401, "second notice")
        await fan.wait_for(lambda m: "second notice" in text_of(m), timeout=15)
        assert not failures  # the failure did happen


async def notify(runtime: Runtime, chat_id: int, text: str) -> None:
    assert await runtime.services.outbox.enqueue(
        "notice",
        chat_id,
        {"method": "sendMessage", "params": {"chat_id": chat_id, "text": text}},
        text,
    )
