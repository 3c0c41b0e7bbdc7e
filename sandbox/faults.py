"""Fault injection: make the next N matching Bot API calls fail with 429, 500 or a timeout."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sandbox.errors import BotApiError, SimError, too_many_requests

FAULT_KINDS = (429, 500, 502, "timeout")


@dataclass
class Fault:
    """One armed fault: `count` more calls of `method` ("*" = any) fail with `error`."""

    method: str
    count: int
    error: int | str
    retry_after: int = 1

    def matches(self, method: str) -> bool:
        """Say whether this fault applies to a call of `method` (case-insensitively)."""
        return self.method == "*" or self.method.lower() == method.lower()


class FaultPlan:
    """The armed faults, consumed first-armed first."""

    def __init__(self, timeout_seconds: float = 10.0) -> None:
        self.timeout_seconds = timeout_seconds
        self.faults: list[Fault] = []

    def arm(self, spec: dict[str, Any]) -> Fault:
        """Arm a fault from a /sim/faults JSON body; raise SimError if it is malformed."""
        method = spec.get("method", "*")
        count = spec.get("count", 1)
        error = spec.get("error", 500)
        if not isinstance(method, str) or not method:
            raise SimError(400, 'method must be a Bot API method name or "*"')
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise SimError(400, "count must be a positive integer")
        if error not in FAULT_KINDS:
            raise SimError(400, f"error must be one of {list(FAULT_KINDS)}")
        retry_after = spec.get("retry_after", 1)
        if not isinstance(retry_after, int) or retry_after < 1:
            raise SimError(400, "retry_after must be a positive integer")
        fault = Fault(method, count, error, retry_after)
        self.faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """Consume one use of the first fault matching `method`, if any."""
        for fault in self.faults:
            if fault.matches(method):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        """Disarm every fault."""
        self.faults.clear()

    async def fail(self, fault: Fault) -> BotApiError:
        """Return the error a fault produces; a timeout first holds the call for timeout_seconds."""
        if fault.error == 429:
            return too_many_requests(fault.retry_after)
        if fault.error == "timeout":
            await asyncio.sleep(self.timeout_seconds)
            return BotApiError(504, "Gateway Timeout")
        if fault.error == 502:
            return BotApiError(502, "Bad Gateway")
        return BotApiError(500, "Internal Server Error")

    def describe(self) -> list[dict[str, Any]]:
        """Return the armed faults as JSON-ready dicts."""
        return [
            {"method": f.method, "count": f.count, "error": f.error, "retry_after": f.retry_after}
            for f in self.faults
        ]
