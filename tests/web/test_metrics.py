"""/metrics as an operator's Prometheus reads it, over real HTTP from the running bot: figures
that are true, labels that are route templates, and no token, key or secret anywhere in it or in
the access log."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Runtime
from bot.demo.seed import seed_into
from bot.http.server import webhook_path
from bot.links import buy_url
from tests.auxil.sim import Sim, text_of


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition by (name, sorted labels)."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(
    runtime: Runtime,
) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{runtime.http_url}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text, samples(answer.text)


async def test_metrics_count_what_happened_and_show_no_secret(
    vitrine: Runtime, sim: Sim, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vitrine.access")
    services = vitrine.services
    await seed_into(services.repos, tmp_path / "photos")
    _, before = await scrape(vitrine)

    fan = await sim.user(7301, "Mei", "en")
    await fan.ask("/start", lambda m: "Mei" in text_of(m))
    user = await services.repos.users.by_telegram_id(7301)
    assert user is not None
    item_id = (await services.repos.items.window(1, offset=0, limit=1))[0][0].id
    link = buy_url(services.settings, item_id=item_id, fan_id=user.id, source="window")
    token = link.rsplit("/go/", 1)[1]
    later = datetime.now(UTC) + timedelta(hours=1)
    for n in range(3):  # notices due in an hour: they wait in the queue meanwhile
        await services.repos.outbox.enqueue(
            "notice", 7301, {"method": "sendMessage"}, f"metrics:{n}", not_before=later
        )
    async with httpx.AsyncClient() as client:
        assert (await client.get(link)).status_code == 200
        refused = await client.post(
            f"{vitrine.http_url}/hooks/orders/not-a-merchant-key-0123456789", content=b"{}"
        )
        assert refused.status_code >= 400
        webhook = await client.post(f"{vitrine.http_url}{webhook_path(services)}", content=b"{}")
        assert webhook.status_code == 403  # no secret header

    body, after = await scrape(vitrine)
    go = {"route": "/go/{token}", "method": "GET", "status": "2xx"}
    assert (
        value(after, "vitrine_http_request_seconds_count", **go)
        - value(before, "vitrine_http_request_seconds_count", **go)
        == 1
    )
    hook = {"route": "/hooks/orders/{callback_key}", "method": "POST", "status": "4xx"}
    assert value(after, "vitrine_http_request_seconds_count", **hook) >= 1
    telegram = {"route": "/telegram/{secret}", "method": "POST", "status": "4xx"}
    assert value(after, "vitrine_http_request_seconds_count", **telegram) >= 1
    assert (
        value(after, "vitrine_orders_total", result="refused", path="callback")
        - value(before, "vitrine_orders_total", result="refused", path="callback")
        == 1
    )
    assert value(after, "vitrine_update_seconds_count") > value(
        before, "vitrine_update_seconds_count"
    )
    assert value(after, "vitrine_outbox_rows", status="queued", lane="notice") == 3
    assert value(after, "vitrine_scheduler_leading") == 1  # the one process leads
    # The welcome went out directly; nothing of the outbox was sent yet.
    assert value(after, "vitrine_sends_total", outcome="sent", lane="notice") == value(
        before, "vitrine_sends_total", outcome="sent", lane="notice"
    )

    secrets = (token, services.settings.webhook_secret[:32], "not-a-merchant-key-0123456789")
    access = "\n".join(r.getMessage() for r in caplog.records if r.name == "vitrine.access")
    # The template; or the redactor's mark for it, once a `vitrine` process's log handler (an
    # earlier test's) filters every record (bot/logs.py).
    assert re.search(r"GET /go/(\{token\}|<hidden>) 200", access)
    assert "POST /telegram/{secret} 403" in access
    for secret in secrets:
        assert secret not in body
        assert secret not in access
