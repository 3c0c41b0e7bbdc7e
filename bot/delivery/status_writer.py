"""Writes send outcomes as a group commit, with a bound on how many wait uncommitted.

The writer commits as soon as an outcome arrives; outcomes that arrive while a commit is under
way go together in the next one, so SQLite sees one transaction per batch however fast messages
go. A sender hands its outcome over with `submit` and goes on at once, unless `uncommitted`
outcomes are already waiting for their commit: then it waits for room. That bound is what
limits duplicates after a crash (bot/delivery/dispatcher.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from storage.repositories.outbox import OutboxRepository, SendResult

log = logging.getLogger(__name__)


class StatusWriter:
    """Collects SendResults and commits them together."""

    def __init__(self, repo: OutboxRepository, *, worker: str, uncommitted: int = 1) -> None:
        if uncommitted < 1:
            raise ValueError("the writer needs room for at least one uncommitted outcome")
        self._repo = repo
        self._worker = worker  # outcomes are written only for rows this worker still holds
        self.uncommitted = uncommitted
        self._room = asyncio.Semaphore(uncommitted)
        self._pending: list[tuple[SendResult, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background flusher."""
        self._task = asyncio.create_task(self._run(), name="vitrine-status-writer")

    async def submit(self, result: SendResult) -> asyncio.Future[None]:
        """Queue one outcome; the future is done once it is committed.

        Returns at once while fewer than `uncommitted` outcomes wait for their commit, else
        once there is room.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._task is None or self._task.done():
            await self._repo.record([result], worker=self._worker)  # not running: write directly
            future.set_result(None)
            return future
        await self._room.acquire()
        future.add_done_callback(self._committed)
        self._pending.append((result, future))
        self._wake.set()
        return future

    def _committed(self, future: asyncio.Future[None]) -> None:
        self._room.release()
        if not future.cancelled():
            future.exception()  # logged in _flush; the row stays 'sending' until a restart

    async def write(self, result: SendResult) -> None:
        """Queue one outcome and return once it is committed (raises if the commit failed)."""
        await (await self.submit(result))

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self._repo.record([result for result, _ in batch], worker=self._worker)
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
