"""The sandbox keeps its state across restarts, as Telegram keeps users, chats and file ids.

With a `state_dir`, the sandbox loads `<state_dir>/sandbox.sqlite3` before it serves, then saves
what changed every `state_save_seconds` (write-behind: the Bot API hot path only notes keys in a
ChangeLog) and once more when it stops. The rows of a save are read from the live state on the
event loop, so each save is one consistent moment; a worker thread writes them in one SQLite
transaction. A SIGKILL loses at most the changes since the last save.

Counters are never handed out twice, not even after a crash: every save also writes a ceiling
per counter above its current value, the counter may not pass a ceiling that is not on disk
(Counters.take raises it first, synchronously, in the rare case a burst gets there), and a
sandbox started again begins each counter at its saved ceiling. Message ids are per chat; each
new message also takes an event seq, so a chat cannot have got more new messages since the last
save than seqs were handed out: after a crash every chat's next message id moves ahead by the
seq ceiling's headroom. After a clean stop the ceilings equal the values, and nothing jumps.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import math
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import state_codec as codec
from sandbox.bot_updates import deliver_webhook
from sandbox.changes import ChangeLog
from sandbox.records import ChatLog
from sandbox.state import COUNTERS, BotState, Sandbox
from sandbox.state_store import FILE_NAME, Batch, StateFile, UnreadableState, set_aside

logger = logging.getLogger(__name__)

# The least room each counter gets above its value at a save; a busier one gets twice what it
# used since the previous save. Also how far message ids may jump after a crash.
MIN_HEADROOM = 1000
LOCK_NAME = "sandbox.lock"


@dataclass
class _Marks:
    """What the writer has on disk once a batch commits (applied only then)."""

    ceilings: dict[str, int] = field(default_factory=dict)
    values: dict[str, int] | None = None
    updates: dict[str, tuple[int | None, int]] = field(default_factory=dict)


class StateKeeper:
    """Loads a sandbox's saved state and keeps saving its changes; one per state directory."""

    def __init__(self, sandbox: Sandbox, state_dir: Path) -> None:
        self.sandbox = sandbox
        self.state_dir = state_dir
        self.path = state_dir / FILE_NAME
        self.changes = ChangeLog()
        self._file: StateFile | None = None
        self._lock: int | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None
        # Per bot: (first pending update_id or None, highest update_id written).
        self._updates: dict[str, tuple[int | None, int]] = {}
        self._ceilings: dict[str, int] = {}  # highest ceilings sent to the writer
        self._saved_values: dict[str, int] = dict(sandbox.counters.values)

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the saved state into the (empty) sandbox before it serves; start tracking changes.

        An unreadable file (not SQLite, damaged, another version, records that do not parse) is
        renamed aside with a logged error, and the sandbox starts empty. A state directory that
        cannot be created or written raises OSError.
        """
        self._open()
        assert self._file is not None
        gap = 0
        try:
            rows = self._file.read_all()
            if rows:
                gap = self._restore(rows)
        except (UnreadableState, ValueError, TypeError, KeyError, AttributeError) as exc:
            self._file.close()
            aside = set_aside(self.path)
            logger.error(
                "sandbox state %s is unreadable (%s); moved it to %s and starting empty",
                self.path,
                exc,
                aside.name,
            )
            self._file = StateFile(self.path)
        # Before serving: room above the counters, and after a crash the chats' moved ids with
        # the counters they go with, so a second crash counts from there.
        self._saved_values = dict(self.sandbox.counters.values)
        marks = _Marks(ceilings=self._plan_ceilings(), values=dict(self._saved_values))
        batch = Batch(meta=self._meta_rows(marks))
        if gap:
            batch.chats = [
                (bot.token, chat_id, log.next_message_id)
                for bot in self.sandbox.bots.values()
                for chat_id, log in bot.chats.items()
            ]
        try:
            self._file.prepare()
            self._file.write(batch)
        except sqlite3.Error as exc:
            self._close_now()
            raise OSError(f"cannot write the sandbox state file {self.path}: {exc}") from exc
        self.sandbox.track_changes(self.changes)
        self.sandbox.counters.on_ceiling = self._raise_ceilings_now
        self._apply(marks)
        users, bots = len(self.sandbox.users), len(self.sandbox.bots)
        logger.info("sandbox state in %s: %d users, %d bots loaded", self.path, users, bots)

    def _meta_rows(self, marks: _Marks) -> dict[str, str]:
        """What the meta table holds: the counters, their ceilings and the Mini App signing key
        (made once; a file saved before the key existed gets one here)."""
        return {
            "counters": codec.dumps(marks.values),
            "ceilings": codec.dumps(marks.ceilings),
            "webapp_key": codec.encode_webapp_key(self.sandbox.webapp_key),
        }

    def _open(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.state_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            raise OSError(f"another sandbox is using the state in {self.state_dir}") from None
        self._lock = lock
        try:
            self._file = StateFile(self.path)
        except OSError:
            self._close_now()
            raise
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="sandbox-state")

    def _close_now(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._executor is not None:
            self._executor.shutdown()
        if self._lock is not None:
            os.close(self._lock)
        self._file = self._executor = self._lock = None

    def _restore(self, rows: dict[str, list[tuple[Any, ...]]]) -> int:
        """Rebuild the records from `rows`; return how far message ids moved (0 after a clean stop).

        Everything is parsed before anything is put in the sandbox, so a bad row leaves it empty.
        """
        meta = {key: codec.json_value(value) for key, value in rows["meta"]}
        values = {name: int(meta.get("counters", {}).get(name, 0)) for name in COUNTERS}
        ceilings = {name: int(meta.get("ceilings", {}).get(name, 0)) for name in COUNTERS}
        webapp_key = codec.decode_webapp_key(meta.get("webapp_key"))
        files = {
            stored.file_id: stored for stored in (codec.decode_file(d, c) for d, c in rows["files"])
        }
        users = [codec.decode_user(data) for (data,) in rows["users"]]
        bots = {token: codec.decode_bot(token, data) for token, data in rows["bots"]}

        def bot_of(token: str) -> BotState:
            bot = bots.get(token)
            if bot is None:
                raise KeyError(f"rows of an unknown bot {token.split(':')[0]}")
            return bot

        for token, data in rows["updates"]:
            bot_of(token).updates.append(codec.json_value(data))
        for token, chat_id, next_message_id in rows["chats"]:
            bot_of(token).chats[chat_id] = ChatLog(next_message_id=next_message_id)
        for token, chat_id, data in rows["messages"]:
            message = codec.decode_message(data, files)
            bot_of(token).chat(chat_id).messages[message.message_id] = message
        for token, chat_id, message_id, seq in rows["deletions"]:
            bot_of(token).chat(chat_id).deleted.append((message_id, seq))
        for token, data in rows["callbacks"]:
            record = codec.decode_callback(data)
            bot_of(token).callback_queries[record.id] = record
        for bot in bots.values():
            _grant_write_access_to_writers(bot)
        # Numbers handed out after the last save are at most the ceilings: start from there.
        gap = max(ceilings["seq"] - values["seq"], 0)
        for bot in bots.values():
            for log in bot.chats.values():
                log.next_message_id += gap
                if log.messages:  # a chat saved only in part still never reuses an id
                    log.next_message_id = max(log.next_message_id, max(log.messages) + 1)
        counters = self.sandbox.counters
        counters.values = {name: max(values[name], ceilings[name]) for name in COUNTERS}
        if webapp_key is not None:
            self.sandbox.webapp_key = webapp_key
        self.sandbox.last_seq = counters.values["seq"]
        for user in users:
            self.sandbox.users[user.id] = user
        self.sandbox.bots.update(bots)
        for stored in files.values():
            self.sandbox.files[stored.file_id] = stored
            self.sandbox.files_by_path[stored.file_path] = stored
        token = meta.get("last_active_token")
        self.sandbox.last_active_token = token if token in bots else None
        self._updates = {
            token: (
                bot.updates[0]["update_id"] if bot.updates else None,
                bot.updates[-1]["update_id"] if bot.updates else 0,
            )
            for token, bot in bots.items()
        }
        return gap

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """On the server's loop: resume webhook deliveries and start saving."""
        if self._file is None:  # started again after a stop: the memory state is current
            self._open()
        loop = asyncio.get_running_loop()
        for bot in self.sandbox.bots.values():
            if bot.webhook is not None and (bot.webhook_task is None or bot.webhook_task.done()):
                bot.webhook_task = loop.create_task(deliver_webhook(self.sandbox, bot))
        self._stopping = asyncio.Event()
        self._task = loop.create_task(self._save_every(self.sandbox.settings.state_save_seconds))

    async def _save_every(self, interval: float) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), interval)
            try:
                await self.save()
            except Exception:  # a sandbox bug; keep serving, and say so
                logger.exception("saving the sandbox state to %s failed", self.path)

    async def stop(self) -> None:
        """Save for the last time (exact ceilings: a clean restart moves no id) and close."""
        if self._stopping is not None and self._task is not None:
            self._stopping.set()
            await self._task
        self._task = self._stopping = None
        await self.save(final=True)
        self._close_now()  # the writer is idle now

    async def save(self, *, final: bool = False) -> None:
        """Write what changed since the last save (nothing if nothing did, unless `final`)."""
        if self._file is None or self._executor is None:
            return
        changes = self.changes.drain()
        batch, marks = self._batch(changes, final)
        if batch is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._executor, self._file.write, batch
            )
        except Exception as exc:  # a full disk must not take the sandbox down
            logger.error("could not save the sandbox state to %s (%s); will retry", self.path, exc)
            self.changes.absorb_earlier(changes)
            return
        self._apply(marks)

    # -- building a save -----------------------------------------------------------------------

    def _batch(self, changes: ChangeLog, final: bool) -> tuple[Batch | None, _Marks]:
        """Read the rows `changes` name from the live state (on the loop: one moment)."""
        sandbox = self.sandbox
        batch, marks = Batch(reset=changes.reset), _Marks()
        if changes.reset:
            self._updates = {}
        for user_id in changes.users:
            user = sandbox.users.get(user_id)
            if user is not None:
                batch.users.append((user_id, codec.encode_user(user)))
        by_id: dict[int, list[BotState]] = {}
        for bot in sandbox.bots.values():
            by_id.setdefault(bot.id, []).append(bot)
        tokens = dict(changes.bots)
        for bot_id in changes.bot_ids:
            tokens.update(dict.fromkeys(bot.token for bot in by_id.get(bot_id, [])))
        now, max_age = time.time(), sandbox.settings.callback_query_max_age_seconds
        for token in tokens:
            if token in sandbox.bots:
                batch.bots.append((token, codec.encode_bot(sandbox.bots[token], max_age, now)))
        for bot in sandbox.bots.values():
            self._pending_updates(bot, batch, marks)
        self._chat_rows(changes, by_id, batch)
        for query_id in changes.callbacks:
            for bot in sandbox.bots.values():
                record = bot.callback_queries.get(query_id)
                if record is not None:
                    batch.callbacks.append((query_id, bot.token, codec.encode_callback(record)))
                    break
        for file_id in changes.files:
            stored = sandbox.files.get(file_id)
            if stored is not None:
                batch.files.append((file_id, codec.encode_file_meta(stored), stored.content))
        values = dict(sandbox.counters.values)
        if not final and not changes and not marks.updates and values == self._saved_values:
            return None, marks
        marks.values = values
        marks.ceilings = dict(values) if final else self._plan_ceilings()
        batch.meta = {
            "counters": codec.dumps(values),
            "ceilings": codec.dumps(marks.ceilings),
            "last_active_token": codec.dumps(sandbox.last_active_token),
        }
        return batch, marks

    def _pending_updates(self, bot: BotState, batch: Batch, marks: _Marks) -> None:
        """Updates are only ever confirmed from the front and queued at the back: diff the ends."""
        pending = bot.updates
        first = pending[0]["update_id"] if pending else None
        known_first, written = self._updates.get(bot.token, (None, 0))
        new = []
        for update in reversed(pending):
            if update["update_id"] <= written:
                break
            new.append(update)
        if first == known_first and not new:
            return
        if first != known_first:
            batch.updates_kept_from.append((bot.token, first))
        for update in reversed(new):
            batch.updates.append((bot.token, update["update_id"], codec.dumps(update)))
        marks.updates[bot.token] = (first, max(written, pending[-1]["update_id"] if new else 0))

    def _chat_rows(
        self, changes: ChangeLog, by_id: dict[int, list[BotState]], batch: Batch
    ) -> None:
        chats: dict[tuple[str, int], int] = {}
        for bot_id, chat_id, message_id in changes.messages:
            for bot in by_id.get(bot_id, []):
                log = bot.chats.get(chat_id)
                if log is None:
                    continue
                chats[(bot.token, chat_id)] = log.next_message_id
                message = log.messages.get(message_id)
                if message is None:
                    batch.messages_gone.append((bot.token, chat_id, message_id))
                else:
                    batch.messages.append(
                        (bot.token, chat_id, message_id, codec.encode_message(message))
                    )
        for bot_id, chat_id, message_id, seq in changes.deletions:
            for bot in by_id.get(bot_id, []):
                log = bot.chats.get(chat_id)
                if log is not None and _deleted_at(log, message_id, seq):
                    batch.deletions.append((bot.token, chat_id, message_id, seq))
        batch.chats = [(token, chat_id, next_id) for (token, chat_id), next_id in chats.items()]

    # -- ceilings ------------------------------------------------------------------------------

    def _plan_ceilings(self) -> dict[str, int]:
        values = self.sandbox.counters.values
        for name in COUNTERS:
            used = values[name] - self._saved_values.get(name, 0)
            wanted = values[name] + max(MIN_HEADROOM, 2 * used)
            self._ceilings[name] = max(self._ceilings.get(name, 0), wanted)
        return dict(self._ceilings)

    def _raise_ceilings_now(self, name: str) -> None:
        """A counter reached its ceiling between saves: raise the ceilings on disk, waiting."""
        marks = _Marks(ceilings=self._plan_ceilings())
        batch = Batch(meta={"ceilings": codec.dumps(marks.ceilings)})
        try:
            if self._executor is None or self._file is None:
                raise RuntimeError("the state file is closed")
            self._executor.submit(self._file.write, batch).result()
        except Exception as exc:
            logger.error(
                "could not save the sandbox's %s ceiling to %s (%s); a crash now may reuse ids",
                name,
                self.path,
                exc,
            )
        self._apply(marks)

    def _apply(self, marks: _Marks) -> None:
        ceilings = self.sandbox.counters.ceilings
        for name, ceiling in marks.ceilings.items():
            current = ceilings[name]
            ceilings[name] = ceiling if math.isinf(current) else max(current, ceiling)
        if marks.values is not None:
            self._saved_values = marks.values
        self._updates.update(marks.updates)


def _grant_write_access_to_writers(bot: BotState) -> None:
    """Whoever wrote in a chat with `bot` has started it, so the bot may write to them: state
    files saved before `write_access` was kept only show it in the messages."""
    bot.write_access.update(
        chat_id
        for chat_id, log in bot.chats.items()
        if any(message.sender == "user" for message in log.messages.values())
    )


def _deleted_at(log: ChatLog, message_id: int, seq: int) -> bool:
    """Say whether `log` holds the deletion (message_id, seq) (recent ones are at the end)."""
    for entry in reversed(log.deleted):
        if entry == (message_id, seq):
            return True
        if entry[1] < seq:
            return False
    return False
