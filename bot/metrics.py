"""What an operator can alert on, in the Prometheus format (`/metrics`), with prometheus-client.

Counters and histograms are recorded where things happen (the send path, the dispatcher, the
HTTP middleware, the order intake); the outbox's depth is read from the database at each scrape,
so every process reports the same, true figure. Each process serves its own `/metrics` on its
HTTP port (scrape each, labelled by role). Processes on one host may instead share one
directory (`PROMETHEUS_MULTIPROC_DIR`, prometheus-client's multiprocess mode, emptied before
they start): then any of them serves everyone's figures, summed.

Label values are fixed words, never anything a user sent: route templates (`/go/{token}`), not
paths, so no token or key reaches a label.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.delivery.lanes import lane_of_kind

if TYPE_CHECKING:
    from storage.repositories.outbox import OutboxRepository

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

SENDS = Counter(
    "vitrine_sends",
    "Outbox messages the dispatcher finished, by outcome and lane.",
    ["outcome", "lane"],
)
TOO_MANY_REQUESTS = Counter(
    "vitrine_telegram_429", "Bot API calls Telegram answered 429 (too many requests)."
)
PAUSES = Counter("vitrine_send_pauses", "Bot-wide send pauses a 429 started or lengthened.")
PAUSED_SECONDS = Counter("vitrine_send_paused_seconds", "Seconds of pause 429s asked for.")
LEASE_RECLAIMS = Counter(
    "vitrine_outbox_lease_reclaims",
    "Outbox rows put back in the queue because their worker's lease ended.",
)
UPDATE_SECONDS = Histogram(
    "vitrine_update_seconds",
    "Time from an update's start to its handlers' end.",
    buckets=LATENCY_BUCKETS,
)
HTTP_SECONDS = Histogram(
    "vitrine_http_request_seconds",
    "HTTP requests by route template, method and status class, with their latency.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
ORDERS = Counter(
    "vitrine_orders",
    "Partner order events by result (applied, duplicate, refused) and path (callback, pull).",
    ["result", "path"],
)
LEADING = Gauge(
    "vitrine_scheduler_leading",
    "1 while this process leads the scheduler (arms timed work), else 0.",
    multiprocess_mode="liveall",
)
UP = Gauge("vitrine_up", "1 while the process serves.", multiprocess_mode="liveall")


def process_ends() -> None:
    """In multiprocess mode: withdraw this process's live gauges (its files stay for counters)."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(os.getpid())


def observe_since(histogram: Histogram, started: float, **labels: str) -> None:
    """Record the seconds since `started` (time.perf_counter) in `histogram`."""
    metric = histogram.labels(**labels) if labels else histogram
    metric.observe(time.perf_counter() - started)


async def timed(histogram: Histogram, work: Awaitable[Any]) -> Any:
    """Await `work`, recording how long it took."""
    started = time.perf_counter()
    try:
        return await work
    finally:
        observe_since(histogram, started)


class OutboxDepth(Collector):
    """`vitrine_outbox_rows{status, lane}`: the pending outbox by status and lane, read at scrape.

    The figure is the database's, so it is the same in every process: one grouped count over
    the pending statuses (an index range) per scrape.
    """

    def __init__(self, count: Callable[[], Awaitable[dict[tuple[str, str], int]]]) -> None:
        self._count = count
        self._figures: dict[tuple[str, str], int] = {}

    async def refresh(self) -> None:
        """Read the counts (the route calls it before collecting)."""
        self._figures = await self._count()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "vitrine_outbox_rows",
            "Outbox rows waiting or in flight, by status and lane.",
            labels=["status", "lane"],
        )
        for (status, lane), rows in sorted(self._figures.items()):
            family.add_metric([status, lane], rows)
        yield family


def outbox_depth(repo: OutboxRepository) -> OutboxDepth:
    """The outbox-depth collector over the repository's pending counts, kinds summed by lane."""

    async def by_lane() -> dict[tuple[str, str], int]:
        figures: dict[tuple[str, str], int] = {}
        for (status, kind), rows in (await repo.pending_counts()).items():
            key = (status, lane_of_kind(kind).name.lower())
            figures[key] = figures.get(key, 0) + rows
        return figures

    return OutboxDepth(by_lane)


def exposition(extra: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """This process's metrics (in multiprocess mode: every process's, summed), then `extra`."""
    if os.environ.get(MULTIPROCESS_ENV):
        shared = CollectorRegistry()
        MultiProcessCollector(shared)
        text = generate_latest(shared)
    else:
        text = generate_latest(REGISTRY)
    own = CollectorRegistry(auto_describe=False)
    for collector in extra:
        own.register(collector)
    return text + generate_latest(own), CONTENT_TYPE_LATEST
