"""The scale-out as an operator runs it: 2 web, 3 worker and 2 scheduler processes
(`vitrine run --role …`) over one PostgreSQL database and one Redis, behind a round-robin load
balancer, against the sandbox enforcing a bot-wide cap of 100 paid messages a second.

An expert builds a 5,000-fan campaign in the chat wizard, each press landing on the other web
process than the last; mid-way one worker and the leading scheduler are SIGKILLed. Nothing is
lost: the standby leads (and keeps the expert's progress message going), the dead worker's rows
come back when their 3-second leases end, each fan gets the card once except at most the killed
worker's bound (2 × VITRINE_SEND_CONCURRENCY), and Telegram (the sandbox) never answers 429:
the five senders share one limit through Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.campaigns.callbacks import (
    WizardAudience,
    WizardConfirm,
    WizardItemsDone,
    WizardItemToggle,
    WizardKind,
    WizardSchedule,
)
from bot.demo.catalogue import DEMO_EXPERT_ID
from storage.database import create_engine
from storage.repositories import Repositories
from storage.schema import outbox
from tests.auxil.databases import fresh_database_url, postgresql_only
from tests.auxil.proxy import RoundRobinProxy
from tests.auxil.redis import forget_namespace, redis_server_url
from tests.auxil.sim import Sim, text_of
from tests.conftest import BOT_TOKEN, free_port
from tests.faults.conftest import deliveries_of, make_sim_users, seed_campaign_audience, wait_for
from tests.journeys.test_campaign_push import tap

pytestmark = postgresql_only("the roles share one PostgreSQL database")

FAN_COUNT = 5_000
FANS = range(500_000, 500_000 + FAN_COUNT)
CAP = 100  # the sandbox's bot-wide paid cap; the bot is configured to it (and paces under it)
CONCURRENCY = 8
BOUND = 2 * CONCURRENCY  # one killed worker: its sends in flight plus its uncommitted outcomes
LEASE_SECONDS = 3


class Deployment:
    """The processes of one bot, each started as `python -m bot.cli run --role …`."""

    def __init__(self, tmp_path: Path, sandbox: Any, database_url: str, webhook_url: str) -> None:
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "VITRINE_TELEGRAM_API_URL": sandbox.bot_api_url,
            "VITRINE_TELEGRAM_FILE_URL": sandbox.file_api_url,
            "VITRINE_DATABASE_URL": database_url,
            "VITRINE_SECRET_KEY": "scale-out-test-key-shared-by-every-process",
            "VITRINE_REDIS_URL": redis_server_url(),
            "VITRINE_WEBHOOK_URL": webhook_url,
            "VITRINE_PAID_BROADCAST": "true",
            "VITRINE_SEND_RATE": str(CAP),
            "VITRINE_SEND_CONCURRENCY": str(CONCURRENCY),
            "VITRINE_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "VITRINE_THROTTLE_UPDATES": "1000",
            # The processes share a host: one scrape of any of them sums them all.
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        }
        (tmp_path / "metrics").mkdir()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}

    def start(self, name: str, role: str, port: int | None = None) -> None:
        port = port or free_port()
        env = {
            **self.env,
            "VITRINE_HTTP_PORT": str(port),
            "VITRINE_DATA_DIR": str(self.tmp_path / name),
        }
        log = (self.tmp_path / f"{name}.log").open("wb")
        self.ports[name] = port
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--role", role],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    async def health(self, name: str) -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                answer = await client.get(f"http://127.0.0.1:{self.ports[name]}/healthz")
        except httpx.HTTPError:
            return None
        return answer.json() if answer.status_code == 200 else None  # type: ignore[no-any-return]

    async def wait_healthy(self, name: str, **expected: object) -> None:
        async def ready() -> bool:
            process = self.processes[name]
            if process.poll() is not None:
                log = (self.tmp_path / f"{name}.log").read_text(errors="replace")
                raise AssertionError(f"{name} exited {process.returncode}:\n{log[-3000:]}")
            health = await self.health(name)
            return health is not None and all(health.get(k) == v for k, v in expected.items())

        await wait_for(ready, timeout=60, interval=0.1)

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_five_senders_share_one_limit_and_survive_a_killed_worker_and_leader(
    tmp_path: Path,
) -> None:
    from sandbox.server import SandboxServer

    await forget_namespace(BOT_TOKEN.split(":")[0])  # a rested limit: nothing left from before
    url = fresh_database_url(tmp_path, "scale")
    repos = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    web_ports = [free_port(), free_port()]
    with (
        SandboxServer(limits="paid", paid_per_second=CAP) as sandbox,
        RoundRobinProxy([f"http://127.0.0.1:{p}" for p in web_ports]) as balancer,
    ):
        deployment = Deployment(tmp_path, sandbox, url, balancer.url)
        try:
            for n, port in enumerate(web_ports):
                deployment.start(f"web-{n}", "web", port)
            for n in range(3):
                deployment.start(f"worker-{n}", "worker")
            deployment.start("scheduler-a", "scheduler")
            await deployment.wait_healthy("scheduler-a", leading=True)
            deployment.start("scheduler-b", "scheduler")
            for name in ("web-0", "web-1", "worker-0", "worker-1", "worker-2"):
                await deployment.wait_healthy(name)
            await deployment.wait_healthy("scheduler-b", leading=False)

            await make_sim_users(sandbox.url, FANS)
            _expert_id, item_id = await seed_campaign_audience(repos, tmp_path / "photos", FANS)
            item = await repos.items.get(item_id)
            assert item is not None
            lina_user = await repos.users.by_telegram_id(DEMO_EXPERT_ID)
            assert lina_user is not None
            await repos.users.set_language(lina_user.id, "en")

            sim = Sim(sandbox.url)
            try:
                lina = await sim.user(DEMO_EXPERT_ID, "Lina", "en")
                taken_before = dict(balancer.taken)
                wizard = await lina.ask("/campaign", lambda m: "kind of campaign" in text_of(m))
                for value in (
                    WizardKind("push"),
                    WizardItemToggle(item_id),
                    WizardItemsDone(),
                    WizardAudience("all"),
                    WizardSchedule("now"),
                    WizardConfirm(),
                ):
                    await tap(lina, wizard["message_id"], value)
                # The seven updates of the conversation went to both web processes, in turn.
                for backend in balancer.backends:
                    assert balancer.taken[backend] - taken_before.get(backend, 0) >= 3

                async def sent() -> int:
                    async with repos.engine.connect() as conn:
                        return int(
                            await conn.scalar(select(func.count()).where(outbox.c.status == "sent"))
                            or 0
                        )

                async def a_third_sent() -> bool:
                    return await sent() >= FAN_COUNT // 3

                await wait_for(a_third_sent, timeout=120)
                deployment.kill("worker-0")
                deployment.kill("scheduler-a")
                killed_at = time.monotonic()
                await deployment.wait_healthy("scheduler-b", leading=True)
                took_over = time.monotonic() - killed_at

                async def all_sent() -> bool:
                    counts = await repos.outbox.campaign_counts(campaign_id)
                    return counts.get("sent", 0) == FAN_COUNT

                async with repos.engine.connect() as conn:
                    campaign_id = int(
                        await conn.scalar(select(func.max(outbox.c.campaign_id))) or 0
                    )
                await wait_for(all_sent, timeout=240)
                # The standby leads the progress message to its end.
                await lina.wait_for(
                    lambda m: (
                        f"{FAN_COUNT:,} / {FAN_COUNT:,} sent" in text_of(m)
                        or f"{FAN_COUNT} / {FAN_COUNT} sent" in text_of(m)
                    ),
                    timeout=30,
                )
            finally:
                await sim.close()
            have = deliveries_of(sandbox, item.title)
            refused = sandbox.sandbox.limiter.refused
            async with httpx.AsyncClient() as client:
                scraped = await client.get(f"http://127.0.0.1:{web_ports[0]}/metrics")
            campaign_sends = sum(
                sample.value
                for family in text_string_to_metric_families(scraped.text)
                for sample in family.samples
                if sample.name == "vitrine_sends_total"
                and sample.labels == {"outcome": "sent", "lane": "campaign"}
            )
        finally:
            deployment.stop_all()
            await repos.engine.dispose()

    duplicates = sum(n - 1 for n in have.values())
    print(
        f"\n{FAN_COUNT} fans, 5 senders at a shared {CAP}/s: standby led after {took_over:.1f} s,"
        f" {duplicates} fans got the card twice (bound {BOUND}), {refused} × 429"
    )
    assert [fan for fan in FANS if fan not in have] == []  # nobody lost
    assert duplicates <= BOUND
    assert refused == 0  # the shared limit held: Telegram never had to say 429
    # A web process, which sends no campaign, reports the workers' sends (the killed one's too).
    assert campaign_sends >= FAN_COUNT
