"""The delivery engine as the campaign runtime sees it, in a process that may run none.

With roles (bot/roles.py), the dispatchers run in worker processes; a web or scheduler process
writes outbox rows and the workers find them by polling (`IDLE_POLL_SECONDS`, half a second).
`DeliveryView` is what the campaign runtime asks of delivery: wake the sender, the clock, the
measured rates and the pace. A `Dispatcher` is one; `DeliveryElsewhere` stands for the workers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from bot.config import DeliverySettings
from bot.delivery.gate import SendGate
from bot.delivery.throughput import StreamMeter


class DeliveryView(Protocol):
    """What the campaign runtime needs of the delivery engine."""

    meter: StreamMeter
    now: Callable[[], datetime]

    @property
    def pace(self) -> float:
        """Messages per second the sending can reach."""
        ...

    def wake(self) -> None:
        """New rows were written."""
        ...


class DeliveryElsewhere:
    """Delivery run by the worker processes: nothing to wake, no rate measured here.

    The progress message's time left is then the configured pace's fair share (CampaignShare
    says it is not measured).
    """

    def __init__(self, gate: SendGate, settings: DeliverySettings) -> None:
        self.meter = StreamMeter()  # stays empty: the sends are counted in the workers
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._pace = gate.pace(paid=settings.paid_broadcast)

    @property
    def pace(self) -> float:
        return self._pace

    def wake(self) -> None:
        """The workers poll the outbox; there is no one here to wake."""
