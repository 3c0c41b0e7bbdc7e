"""How fast each stream (a campaign, a kind of notice) is really being sent, for honest ETAs."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 20.0  # the rate is measured over the last this many seconds
_KEEP = 4096  # timestamps kept per stream (enough for 200/s over the window)


class StreamMeter:
    """Remembers when each stream's recent messages left."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def record(self, stream: str) -> None:
        """One message of `stream` left now."""
        times = self._sent.get(stream)
        if times is None:
            times = self._sent[stream] = deque(maxlen=_KEEP)
        times.append(self._clock())

    def rate(self, stream: str) -> float | None:
        """Messages per second of the stream over the window; None before it has a history."""
        times = self._sent.get(stream)
        if not times or len(times) < 2:
            return None
        horizon = self._clock() - WINDOW_SECONDS
        recent = [t for t in times if t >= horizon]
        if len(recent) < 2:
            return None
        span = max(self._clock() - recent[0], 1.0)
        return len(recent) / span

    def active(self, prefix: str = "") -> list[str]:
        """Streams (whose name starts with `prefix`) that sent within the window, oldest first."""
        horizon = self._clock() - WINDOW_SECONDS
        found = [
            (times[0], name) for name, times in self._sent.items() if times and times[-1] >= horizon
        ]
        return [name for _, name in sorted(found) if name.startswith(prefix)]
