"""The per-person update throttle: at most N updates in a window, then one notice, then silence.

A pure rule (the caller passes the clock). Each person's window starts at their first update;
the first update past the limit gets ``NOTICE`` (the caller sends one polite sentence), every
later one in the same window ``DROP`` (nothing is sent, nothing is done). When the window has
passed, the count starts again. Normal use never meets the limit: a person tapping quickly sends
a few updates a second for a moment, the default allows 20 in 10 seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Entries are swept when the table grows past this many people (memory stays bounded in a flood
# of many senders; a swept person simply starts a fresh window).
SWEEP_AT = 10_000


class Verdict(enum.Enum):
    """What to do with one update."""

    PASS = "pass"
    NOTICE = "notice"  # the first update over the limit: tell the person once
    DROP = "drop"  # over the limit, already told


@dataclass
class _Window:
    started: float
    count: int


class UpdateThrottle:
    """Counts each person's updates in fixed windows of `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("the throttle needs a limit of at least 1 and a positive window")
        self.limit = limit
        self.window = window
        self._windows: dict[int, _Window] = {}

    def check(self, person: int, now: float) -> Verdict:
        """Count one update of `person` at monotonic time `now` and say what to do with it."""
        current = self._windows.get(person)
        if current is None or now - current.started >= self.window:
            if len(self._windows) >= SWEEP_AT:
                self._sweep(now)
            self._windows[person] = _Window(started=now, count=1)
            return Verdict.PASS
        current.count += 1
        if current.count <= self.limit:
            return Verdict.PASS
        return Verdict.NOTICE if current.count == self.limit + 1 else Verdict.DROP

    def _sweep(self, now: float) -> None:
        self._windows = {
            person: w for person, w in self._windows.items() if now - w.started < self.window
        }
