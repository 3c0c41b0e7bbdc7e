"""The dispatcher: claims due outbox rows and hands them to the send gate, fairly.

Loop: read a batch of due rows (notices first, then every sending campaign's share, interleaved:
`OutboxRepository.due`) -> keep those whose chat may get a message now (the gate's chat pace) ->
claim them in the database (queued -> sending, written *before* any HTTP call) -> for each,
wait for a concurrency slot -> send through PTB, whose rate limiter makes the call wait at the
gate (bot/delivery/gate.py) in the row's lane -> hand the outcome to the `StatusWriter` (group
commits) -> free the slot.

The duplicate bound counts messages repeated after a crash: sent, but 'sent' not on disk, so
they go back to the queue. A row is claimed only with a send slot (`_take_slots`) and holds it
until its outcome is handed over; the writer lets at most `send_concurrency` outcomes wait for
their commit. So at most 2 × `send_concurrency` rows are 'sending' on disk per dispatcher, and a
crash repeats at most that many messages (`duplicate_bound`, 16 by default). Senders do not wait
for their commit: one commit per batch serves them all.

Leases: a claim names this dispatcher (`worker`) and lasts `outbox_lease_seconds`; the lease loop
renews this dispatcher's claims every third of that and returns to the queue the rows of any
dispatcher that stopped renewing (killed). The one dispatcher of a SQLite database is the
`exclusive` worker: at start it re-queues every 'sending' row at once (they can only be its own).
With N workers on PostgreSQL, killing k of them repeats at most k × `duplicate_bound` messages,
sent again once their leases end; a worker cut off from the database for longer than its lease
may repeat its in-flight rows too, and its late outcomes are not written over the new claim's.

Errors: 429 pauses the whole gate for `retry_after` and re-queues the row (no attempt counted);
403 marks the fan unreachable and drops their pending rows as 'blocked'; 400 fails the row at
once (retrying cannot fix a bad request); network errors, timeouts and 5xx retry with
exponential backoff up to `max_attempts`, then the row fails with the error recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from telegram import InputFile, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import metrics
from bot.config import DeliverySettings
from bot.delivery.gate import SendGate
from bot.delivery.lanes import outbox_ticket
from bot.delivery.limiter import retry_after_seconds
from bot.delivery.photo_upload import NoPhotoCopy, PhotoValue, send_photo, sent_file_id
from bot.delivery.status_writer import StatusWriter
from bot.delivery.throughput import StreamMeter
from bot.domain.states import OutboxStatus
from storage.repositories.outbox import OutboxRepository, OutboxRow, SendResult

log = logging.getLogger(__name__)

# Rows hold Bot API JSON as written by enqueue; sending it as-is through do_api_request is the
# point, so PTB's hint to prefer the typed methods does not apply here.
warnings.filterwarnings("ignore", message="Please use 'Bot.send", module="bot.delivery")
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.send")

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
IDLE_POLL_SECONDS = 0.5  # how often an idle dispatcher looks for rows that fell due

# A renderer turns a row whose payload is a reference ({"render": name, ...}) into a Bot API call.
Renderer = Callable[[OutboxRow], Awaitable[tuple[str, dict[str, Any]]]]
BlockedHook = Callable[[OutboxRow], Awaitable[None]]
PhotoHook = Callable[[int, str], Awaitable[None]]  # (item id, its new file id)


@dataclass(frozen=True)
class RowPhoto:
    """The photo of a sendPhoto row: Telegram's file id and the bot's copy to fall back on."""

    file_id: str | None
    copy_path: str | None
    item_id: int | None


@dataclass
class DispatchStats:
    """What the dispatcher has seen since start (for tests, metrics and the benchmark)."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    dropped: int = 0  # withdrawn by their renderer (content suspended or delisted meanwhile)
    retried: int = 0
    rate_limited: int = 0  # 429 answers received
    requeued_at_start: int = 0
    reclaimed: int = 0  # rows of a dispatcher whose lease ended, put back in the queue


class Withdrawn(Exception):
    """Raised by a renderer: this message must no longer be sent (its row becomes 'dropped')."""


def worker_name() -> str:
    """This process's name on the rows it claims: host, pid and a random tag (pids are reused)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, 4, ... capped)."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))


class Dispatcher:
    """Sends the outbox through the send gate. One per process."""

    def __init__(
        self,
        repo: OutboxRepository,
        bot: Any,
        settings: DeliverySettings,
        gate: SendGate,
        *,
        on_blocked: BlockedHook | None = None,
        on_photo_uploaded: PhotoHook | None = None,
        exclusive: bool = True,
        worker: str | None = None,
    ) -> None:
        self._repo = repo
        self.worker = worker or worker_name()
        self._exclusive = exclusive  # the outbox's only worker (SQLite): see the module doc
        self._bot = bot
        self._settings = settings
        self._on_blocked = on_blocked
        self._on_photo_uploaded = on_photo_uploaded
        self.renderers: dict[str, Renderer] = {}
        self.gate = gate
        self.meter = StreamMeter()  # messages sent per stream: the progress message's honest ETA
        self.stats = DispatchStats()
        # The database clock: tests may shift it to let quiet hours or digests fall due.
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._slots = asyncio.Semaphore(settings.send_concurrency)
        # Outcomes that may wait uncommitted, on top of the sends in flight (the duplicate bound).
        self._writer = StatusWriter(repo, worker=self.worker, uncommitted=settings.send_concurrency)
        self._wake = asyncio.Event()
        self._paused_until = 0.0  # time.monotonic() before which nothing is claimed (429)
        self._busy_chats: set[int] = set()  # one message in flight per chat
        # Rows claimed whose outcome is not committed yet: the only leases this worker renews.
        self._held: set[int] = set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._lease_task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._photo_ids: dict[str, str] = {}  # photo copy path -> the file id its upload got
        self._replaced_photo_ids: dict[str, str] = {}  # refused file id -> its re-upload's
        self._upload_locks: dict[str, asyncio.Lock] = {}

    @property
    def duplicate_bound(self) -> int:
        """The most messages a crash can make fans see twice: in flight plus uncommitted."""
        return self._settings.send_concurrency + self._writer.uncommitted

    @property
    def batch_size(self) -> int:
        """Rows read per loop: about half a second of sending, at least a few per slot."""
        return max(2 * self._settings.send_concurrency, int(self._settings.send_rate / 2), 8)

    @property
    def pace(self) -> float:
        """Messages per second the dispatcher can reach (the gate's pace for its rows)."""
        return self.gate.pace(paid=self._settings.paid_broadcast)

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts unless renewed."""
        return timedelta(seconds=self._settings.outbox_lease_seconds)

    async def start(self) -> None:
        """Return crashed in-flight rows to the queue and start sending."""
        if self._exclusive:
            self.stats.requeued_at_start = await self._repo.requeue_in_flight()
        else:
            self.stats.requeued_at_start = await self._repo.reclaim_expired(self.now())
            metrics.LEASE_RECLAIMS.inc(self.stats.requeued_at_start)
        if self.stats.requeued_at_start:
            log.warning("re-queued %d messages left in flight", self.stats.requeued_at_start)
        self._writer.start()
        self._task = asyncio.create_task(self._run(), name="vitrine-dispatcher")
        self._lease_task = asyncio.create_task(self._keep_leases(), name="vitrine-leases")

    async def stop(self) -> None:
        """Stop claiming, finish the sends in flight and write their outcome."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._writer.stop()
        if self._lease_task is not None:  # after the writer: the last outcomes kept their lease
            self._lease_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lease_task

    async def renew_and_reclaim(self) -> int:
        """Renew this dispatcher's leases, then take back rows whose lease ended; return how many
        were taken back."""
        now = self.now()
        if self._held:
            await self._repo.renew_leases(self.worker, sorted(self._held), now + self.lease)
        reclaimed = await self._repo.reclaim_expired(now)
        if reclaimed:
            self.stats.reclaimed += reclaimed
            metrics.LEASE_RECLAIMS.inc(reclaimed)
            log.warning("re-queued %d messages whose worker stopped renewing its lease", reclaimed)
            self.wake()
        return reclaimed

    async def _keep_leases(self) -> None:
        period = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            try:
                await self.renew_and_reclaim()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: try again next period
                log.exception("could not renew the outbox leases")

    def wake(self) -> None:
        """New rows were written: look now instead of at the next poll."""
        self._wake.set()

    def hold_claims(self, seconds: float) -> None:
        """Claim no row for `seconds`; other senders keep the gate (a 429 pauses the gate itself)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def _wait_if_paused(self) -> None:
        """Claim nothing while paused: rows stay queued (and resumable) instead of in flight."""
        while not self._stopping:
            delay = self._paused_until - time.monotonic()
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    async def _idle(self) -> None:
        """Sleep until woken or until the next row may be due."""
        next_due = await self._repo.next_due_at()
        timeout = IDLE_POLL_SECONDS
        if next_due is not None:
            timeout = min(timeout, max((next_due - self.now()).total_seconds(), 0.05))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._wait_if_paused()
                if not await self._dispatch_batch():
                    await self._idle()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The loop must outlive a bad batch (e.g. a locked database): log and go on.
                log.exception("dispatcher batch failed")
                await asyncio.sleep(1.0)

    async def _dispatch_batch(self) -> bool:
        """Claim and start sending one batch; False when nothing was ready."""
        now = self.now()
        rows = await self._repo.due(now, self.batch_size, skip_chats=self._busy_chats)
        if not rows:
            return False
        ready: list[OutboxRow] = []
        later: dict[float, list[int]] = {}
        for row in rows:
            wait = self.gate.chat_wait(row.chat_id)
            if wait == 0 and row.chat_id not in self._busy_chats:
                self._busy_chats.add(row.chat_id)
                ready.append(row)
            else:
                later.setdefault(min(max(wait, 0.05), 60.0), []).append(row.id)
        try:
            for wait, ids in later.items():
                await self._repo.defer(ids, now + timedelta(seconds=wait))
        except BaseException:  # the rows chosen hold no slot yet: only their chats go back
            for row in ready:
                self._busy_chats.discard(row.chat_id)
            raise
        ready = await self._take_slots(ready)
        try:
            claimed = await self._repo.claim(
                [row.id for row in ready], worker=self.worker, lease_until=self.now() + self.lease
            )
        except BaseException:  # the database failed the claim: no row is this worker's
            self._release(ready)
            raise
        self._held.update(claimed)
        for row in ready:
            if row.id not in claimed:
                self._busy_chats.discard(row.chat_id)
                self._slots.release()
                continue
            await self._wait_if_paused()
            task = asyncio.create_task(self._send(row))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        if not ready and later:
            # Everything due is paced: wait for the soonest chat instead of spinning.
            await asyncio.sleep(min(min(later), IDLE_POLL_SECONDS))
        return bool(ready)

    def _release(self, rows: list[OutboxRow]) -> None:
        """Give back the slots and chats of rows taken for a claim that did not happen."""
        for row in rows:
            self._busy_chats.discard(row.chat_id)
            self._slots.release()

    def _written(self, row_id: int, committed: asyncio.Future[None]) -> None:
        """The row's outcome is committed (or failed to be: its lease then ends, and the row is
        sent again): this worker renews its lease no more."""
        del committed
        self._held.discard(row_id)

    async def _take_slots(self, ready: list[OutboxRow]) -> list[OutboxRow]:
        """The first rows of `ready` that got a send slot (one waited for, then those free now):
        a row is claimed only with its slot; the others stay queued for the next batch."""
        taken = 0
        while taken < len(ready) and (taken == 0 or not self._slots.locked()):
            await self._slots.acquire()  # after the first, free ones: returns at once
            taken += 1
        for row in ready[taken:]:
            self._busy_chats.discard(row.chat_id)
        return ready[:taken]

    async def _send(self, row: OutboxRow) -> None:
        """Send one claimed row and write its outcome before freeing the slot."""
        handed = False  # the outcome reached the writer (which ends the row's lease renewals)
        try:
            try:
                result = await self._attempt(row)
            except Withdrawn as reason:
                result = SendResult(
                    row.id, OutboxStatus.DROPPED, self.now(), error=str(reason)[:500] or "withdrawn"
                )
            except Exception as error:  # a renderer bug must not leave the row in 'sending'
                log.exception("could not send outbox row %d", row.id)
                result = SendResult(
                    row.id, OutboxStatus.FAILED, self.now(), error=f"internal: {error!r}"[:500]
                )
            if result.status == OutboxStatus.BLOCKED and self._on_blocked is not None:
                try:
                    await self._writer.write(result)  # committed before the fan's rows drop
                finally:
                    self._held.discard(row.id)
                await self._on_blocked(row)
            else:
                committed = await self._writer.submit(result)
                committed.add_done_callback(partial(self._written, row.id))
            handed = True
            self._count(row, result)
        finally:
            # Cancelled mid-send: the row stays 'sending' until its lease ends (or the restart).
            if not handed:
                self._held.discard(row.id)
            self._busy_chats.discard(row.chat_id)
            self._slots.release()

    def _count(self, row: OutboxRow, result: SendResult) -> None:
        lane = outbox_ticket(row.kind, row.campaign_id).lane.name.lower()
        outcome = "retried" if result.status == OutboxStatus.QUEUED else str(result.status)
        metrics.SENDS.labels(outcome=outcome, lane=lane).inc()
        if result.status == OutboxStatus.SENT:
            self.stats.sent += 1
            self.meter.record(outbox_ticket(row.kind, row.campaign_id).stream)
        elif result.status == OutboxStatus.FAILED:
            self.stats.failed += 1
        elif result.status == OutboxStatus.BLOCKED:
            self.stats.blocked += 1
        elif result.status == OutboxStatus.DROPPED:
            self.stats.dropped += 1
        else:
            self.stats.retried += 1

    async def _attempt(self, row: OutboxRow) -> SendResult:
        """One Bot API call for the row, classified into a SendResult."""
        method, params, photo = await self._resolve(row)
        attempt = row.attempts + 1
        ticket = outbox_ticket(row.kind, row.campaign_id)

        async def request(photo_value: PhotoValue | None = None) -> Any:
            api_kwargs = params if photo_value is None else {**params, "photo": photo_value}
            return await self._bot.do_api_request(
                method, api_kwargs=api_kwargs, return_type=Message, rate_limit_args=ticket
            )

        async def call(photo_value: PhotoValue | None = None) -> Any:
            if not isinstance(photo_value, InputFile) or photo is None or not photo.copy_path:
                return await request(photo_value)
            # An upload: one per photo, however many sends wanted it at the same moment.
            async with self._upload_locks.setdefault(photo.copy_path, asyncio.Lock()):
                known = self._photo_ids.get(photo.copy_path)
                if known is not None:
                    return await request(known)
                sent = await request(photo_value)
                new_id = sent_file_id(sent)
                if new_id is not None:
                    self._photo_ids[photo.copy_path] = new_id
                return sent

        try:
            if photo is None:
                message = await call()
            else:
                message = await send_photo(
                    call,
                    file_id=photo.file_id,
                    copy_path=photo.copy_path,
                    remember=lambda new_id: self._remember_photo(photo, new_id),
                )
        except RetryAfter as error:
            # The rate limiter has paused the gate; the row waits in the queue, not in memory.
            seconds = retry_after_seconds(error)
            self.stats.rate_limited += 1
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            return SendResult(
                row.id,
                OutboxStatus.QUEUED,
                self.now(),
                error="429 Too Many Requests",
                retry_at=self.now() + timedelta(seconds=seconds),
                counts_attempt=False,
            )
        except Forbidden as error:
            return SendResult(row.id, OutboxStatus.BLOCKED, self.now(), error=str(error)[:500])
        except (BadRequest, ChatMigrated, NoPhotoCopy) as error:
            return SendResult(row.id, OutboxStatus.FAILED, self.now(), error=str(error)[:500])
        except (NetworkError, TelegramError) as error:
            if attempt >= self._settings.max_attempts:
                return SendResult(row.id, OutboxStatus.FAILED, self.now(), error=str(error)[:500])
            return SendResult(
                row.id,
                OutboxStatus.QUEUED,
                self.now(),
                error=str(error)[:500],
                retry_at=self.now() + timedelta(seconds=backoff(attempt)),
            )
        message_id = message.message_id if isinstance(message, Message) else None
        return SendResult(row.id, OutboxStatus.SENT, self.now(), telegram_message_id=message_id)

    async def _remember_photo(self, photo: RowPhoto, new_id: str) -> None:
        """A photo was uploaded: send its new file id from now on, and store it with the item."""
        if photo.file_id:
            self._replaced_photo_ids[photo.file_id] = new_id
        if photo.copy_path:
            self._photo_ids[photo.copy_path] = new_id
        if photo.item_id is not None and self._on_photo_uploaded is not None:
            await self._on_photo_uploaded(photo.item_id, new_id)

    async def _resolve(self, row: OutboxRow) -> tuple[str, dict[str, Any], RowPhoto | None]:
        """The method and parameters for a row: as stored, or rendered from its reference.

        A sendPhoto names its photo by `photo` (a file id), `photo_path` (the bot's copy) and
        `photo_item_id` (whose file id to update after an upload); they are taken out here.
        """
        payload = row.payload
        if "render" in payload:
            method, params = await self.renderers[str(payload["render"])](row)
        else:
            method, params = str(payload["method"]), dict(payload.get("params", {}))
        params.setdefault("chat_id", row.chat_id)
        if self._settings.paid_broadcast:
            params["allow_paid_broadcast"] = True
        copy_path = params.pop("photo_path", None)
        item_id = params.pop("photo_item_id", None)
        if method != "sendPhoto" or not (copy_path or params.get("photo")):
            return method, params, None
        file_id = params.pop("photo", None)
        if isinstance(file_id, str):
            file_id = self._replaced_photo_ids.get(file_id, file_id)
        elif copy_path:
            file_id = self._photo_ids.get(str(copy_path))
        return (
            method,
            params,
            RowPhoto(
                file_id=file_id if isinstance(file_id, str) else None,
                copy_path=str(copy_path) if copy_path else None,
                item_id=int(item_id) if isinstance(item_id, int) else None,
            ),
        )
