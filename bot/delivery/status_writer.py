"""Writes send outcomes as a group commit; each sender waits until its own outcome is committed.

The writer commits as soon as an outcome arrives; outcomes that arrive while a commit is under
way go together in the next one. So a sender waits about one commit, never a fixed delay, and
SQLite sees one transaction per batch however fast messages go. Waiting for the commit is what
bounds duplicates after a crash (bot/delivery/dispatcher.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from storage.repositories.outbox import OutboxRepository, SendResult

log = logging.getLogger(__name__)


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
            await asyncio.sleep(0)  # senders finishing in this same turn of the loop join in
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
