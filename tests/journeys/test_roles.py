"""The bot split into roles over one PostgreSQL database (`vitrine run --role`), each role its own
runtime with its own engine, HTTP port and send gate, as separate processes would have:

- the scheduler leader sets the webhook, so Telegram (the sandbox) posts updates to the web role;
- an expert's campaign wizard runs in the web role, which arms nothing: the leader finds the
  stored campaign and fires it, the worker sends it, each fan gets it once;
- a second scheduler stands by, and leads once the first stops.

(The multi-process test with killed workers and the shared Redis limit is the scale-out's next
slice; this one shows the roles' division of work.)
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path

import httpx

from bot.app import BotEndpoint, Runtime, running
from bot.campaigns.callbacks import WizardConfirm
from bot.config import Settings
from bot.orders.settlement import CONFIRM_JOB, SUMMARY_JOB
from tests.auxil.campaigns import eventually, follower, lina_in
from tests.auxil.databases import postgresql_only
from tests.auxil.redis import redis_server_url
from tests.auxil.sim import Sim, text_of
from tests.conftest import BOT_TOKEN, free_port, make_settings
from tests.journeys.test_campaign_push import run_wizard_to_preview, tap

pytestmark = postgresql_only("the roles share one PostgreSQL database")

FANS = 6


def as_role(settings: Settings, role: str) -> Settings:
    # with_role refuses the roles in sandbox mode (the demo is one process); these tests give
    # the bot a token of its own instead, the sandbox being Telegram here (tests/unit checks
    # the refusals).
    return dataclasses.replace(settings, role=role, http_port=free_port())


async def health(runtime: Runtime) -> dict[str, object]:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{runtime.http_url}/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert isinstance(body, dict)
    return body


async def test_web_worker_and_scheduler_share_the_work_and_a_standby_takes_the_lead(
    tmp_path: Path, sandbox: object, sim: Sim
) -> None:
    web_port = free_port()
    shared = make_settings(
        tmp_path,
        VITRINE_WEBHOOK_URL=f"http://127.0.0.1:{web_port}",
        VITRINE_REDIS_URL=redis_server_url(),  # the roles share one send gate, as in production
    )
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)  # type: ignore[attr-defined]
    async with contextlib.AsyncExitStack() as stack:
        web = await stack.enter_async_context(
            running(dataclasses.replace(shared, role="web", http_port=web_port), endpoint)
        )
        worker = await stack.enter_async_context(running(as_role(shared, "worker"), endpoint))
        leader_stack = contextlib.AsyncExitStack()
        leader = await leader_stack.enter_async_context(
            running(as_role(shared, "scheduler"), endpoint)
        )

        async def leads(runtime: Runtime) -> bool:
            return runtime.process.leading

        await eventually(lambda: leads(leader))
        standby = await stack.enter_async_context(running(as_role(shared, "scheduler"), endpoint))
        await asyncio.sleep(1.5)  # a standby's few tries for the lead
        assert not standby.process.leading
        assert (await health(standby))["leading"] is False
        assert (await health(leader))["leading"] is True
        assert (await health(worker))["role"] == "worker"

        # Each role runs its part only.
        assert web.application.job_queue is None and web.services.outbox.dispatcher is None
        assert worker.application.job_queue is None and worker.services.outbox.dispatcher
        assert leader.services.outbox.dispatcher is None
        async with httpx.AsyncClient() as client:  # people's routes are the web role's
            assert (await client.get(f"{worker.http_url}/miniapp/")).status_code == 404

        lina = await lina_in(web, sim, tmp_path, "en")
        fans = [(await follower(web, sim, 4100 + n, "en"))[0] for n in range(FANS)]
        # The leader pointed Telegram at the web role: a fan's message is answered from there.
        hello = await fans[0].ask("/start", lambda m: "Hello" in text_of(m))
        assert "Fan4100" in text_of(hello)

        item = lina.items[0]
        preview = await run_wizard_to_preview(lina.person, item.id, "skincare")
        shown = await lina.person.wait_for(
            lambda m: m["message_id"] == preview["message_id"] and "Confirm" in str(m),
            after=preview["message_id"] - 1,
        )
        await tap(lina.person, shown["message_id"], WizardConfirm())
        # The web role stored it; the leader fires it (within its sync interval); the worker
        # sends it.
        for fan in fans:
            await fan.wait_for(lambda m: item.title in text_of(m), timeout=30)
        await lina.person.wait_for(lambda m: f"{FANS} / {FANS} sent" in text_of(m), timeout=30)
        assert worker.services.outbox.dispatcher.stats.sent >= FANS
        for fan in fans:
            assert sum(item.title in text_of(m) for m in await fan.bot_messages()) == 1

        # The leader stops; the standby leads within its poll.
        await leader_stack.aclose()
        await eventually(lambda: leads(standby), timeout=15)
        assert (await health(standby))["leading"] is True
        # The timed work armed at its start is armed now, not dropped as missed meanwhile.
        queue = standby.application.job_queue
        assert queue is not None

        async def money_jobs_armed() -> bool:
            return bool(queue.get_jobs_by_name(CONFIRM_JOB) and queue.get_jobs_by_name(SUMMARY_JOB))

        await eventually(money_jobs_armed, timeout=10)
