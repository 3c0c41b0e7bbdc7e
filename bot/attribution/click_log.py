"""The click log: every Buy-link visit's click, written by group commit.

A visit of `/go/<token>` must have its click stored before the page is shown (Continue and the
partner's order callback find the click by its id). Written one by one, each visit costs a write
transaction of its own, and on SQLite all of them queue for the one write lock: 64 people opening
links at once wait for 64 commits in turn. The log instead hands every waiting visit to one writer
task, which records all visits that arrived while its previous batch was being written in one
write unit of work (four statements and one commit, whatever the batch's size) and then answers
each visit with its click (and the fan's stored language, read by the same batch, so the page
makes no read of its own). Nothing waits for a timer: a lone visit is written at once; under load
the batches grow by themselves. A visit is answered only after its batch committed, so a click
the page shows is a stored click.

A failed batch fails each of its visits (their pages answer an error); the writer goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from storage.repositories import Repositories
from storage.repositories.clicks import Click, ClickRequest, Visit

log = logging.getLogger(__name__)

MAX_BATCH = 256  # visits per write transaction; more wait for the next one
# Opening the same Buy link again within this time is the same visit, not another click.
CLICK_REUSE = timedelta(minutes=30)


class ClickLog:
    """Records clicks through one writer task; `record` returns once the click is committed."""

    def __init__(self, repos: Repositories, *, reuse_for: timedelta = CLICK_REUSE) -> None:
        self._repos = repos
        self._reuse_for = reuse_for
        self._waiting: list[tuple[ClickRequest, asyncio.Future[Visit]]] = []
        self._arrived = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False

    async def record(self, request: ClickRequest) -> Click:
        """The visit's click (the link's recent one, or a new one), after it is committed."""
        return (await self.visit(request)).click

    async def visit(self, request: ClickRequest) -> Visit:
        """The visit's click and its fan's stored language, after the click is committed."""
        if self._closed:
            raise RuntimeError("the click log is closed")
        future: asyncio.Future[Visit] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        self._arrived.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="click-log")
        return await future

    async def close(self) -> None:
        """Write what waits, then stop the writer."""
        self._closed = True
        if self._writer is None:
            return
        self._arrived.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer

    async def _write_forever(self) -> None:
        while True:
            if not self._waiting:
                if self._closed:
                    return
                self._arrived.clear()
                await self._arrived.wait()
                continue
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            await self._write(batch)

    async def _write(self, batch: list[tuple[ClickRequest, asyncio.Future[Visit]]]) -> None:
        try:
            async with self._repos.unit_of_work(write=True) as uow:
                visits = await uow.clicks.record_visits(
                    [request for request, _ in batch], reuse_for=self._reuse_for
                )
        except Exception as error:  # each visit is told; the next batch is tried afresh
            log.exception("writing %d clicks failed", len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), visit in zip(batch, visits, strict=True):
            if not future.done():  # a visitor who left (cancelled) needs no answer
                future.set_result(visit)
