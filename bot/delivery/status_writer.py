"""Writes send outcomes in small batches; each sender waits until its own outcome is committed.

Batching keeps SQLite's write rate far below the send rate (one transaction per ~20 ms instead
of one per message), and waiting for the commit is what bounds duplicates after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from storage.repositories.outbox import OutboxRepository, SendResult

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.02


class StatusWriter:
    """Collects SendResults and commits them together."""

    def __init__(self, repo: OutboxRepository) -> None:
        self._repo = repo
        self._pending: list[tuple[SendResult, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background flusher."""
        self._task = asyncio.create_task(self._run(), name="vitrine-status-writer")

    async def write(self, result: SendResult) -> None:
        """Queue one outcome and return once it is committed (raises if the commit failed)."""
        if self._task is None or self._task.done():
            await self._repo.record([result])  # not running: write directly
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((result, future))
        self._wake.set()
        await future

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self._repo.record([result for result, _ in batch])
        except Exception as error:
            log.exception("could not write %d send outcomes", len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(COALESCE_SECONDS)
            await self._flush()
            if self._stopping and not self._pending:
                return

    async def stop(self) -> None:
        """Write whatever is pending and stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._flush()
