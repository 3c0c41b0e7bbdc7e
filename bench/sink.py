"""A fast Bot API sink: answers every method with a valid result at once, validating nothing.

It stands where Telegram stands, so that neither the sandbox's CPU nor Telegram's limits are
the ceiling of what is measured. Messages get increasing ids; sendPhoto answers carry a photo
with a file id; edits answer with a message; everything else answers `true`. It counts what
it received per method and per chat, so a benchmark can tell lost and duplicated messages.

Run alone: `python -m bench.sink --port P` (answers GET /__bench/stats with its counts as JSON).
Inside another process (the fans' load generator), `Sink.listener` sees every call as it lands.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import time
from collections import Counter
from collections.abc import Callable

from bench.wire import serve

CHAT_ID = re.compile(rb'chat_id(?:=|"\s*:\s*|"\r\n\r\n)(-?\d+)')
QUERY_ID = re.compile(rb'callback_query_id(?:=|"\s*:\s*"?|"\r\n\r\n)([\w.-]+)')
MESSAGE_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvideo",
        "sendanimation",
        "copymessage",
        "forwardmessage",
    }
)
EDIT_METHODS = frozenset(
    {"editmessagetext", "editmessagecaption", "editmessagemedia", "editmessagereplymarkup"}
)
PHOTO = [
    {"file_id": "AgACAgbenchphoto-s", "file_unique_id": "bench-s", "width": 90, "height": 90},
    {"file_id": "AgACAgbenchphoto-m", "file_unique_id": "bench-m", "width": 800, "height": 800},
]
# Called with (method, chat id or None, callback query id or None) for every call received.
Listener = Callable[[str, int | None, str | None], None]


class Sink:
    """The Bot API as fast as it can answer."""

    def __init__(self) -> None:
        self.methods: Counter[str] = Counter()
        self.per_chat: Counter[int] = Counter()  # messages created, by chat
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.listener: Listener | None = None
        self._next_id = 1

    def _message(self, chat_id: int, photo: bool) -> bytes:
        self._next_id += 1
        message: dict[str, object] = {
            "message_id": self._next_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": 100001, "is_bot": True, "first_name": "Bench"},
        }
        if photo:
            message["photo"] = PHOTO
            message["caption"] = "."
        else:
            message["text"] = "."
        return json.dumps({"ok": True, "result": message}).encode()

    async def handle(self, method: bytes, path: bytes, body: bytes) -> tuple[int, bytes]:
        """Answer one Bot API call."""
        if path.startswith(b"/__bench/stats"):
            return 200, json.dumps(self.stats()).encode()
        name = path.rsplit(b"/", 1)[-1].split(b"?", 1)[0].decode().lower()
        self.methods[name] += 1
        chat_match = CHAT_ID.search(body)
        chat_id = int(chat_match.group(1)) if chat_match else None
        query_match = QUERY_ID.search(body)
        query_id = query_match.group(1).decode() if query_match else None
        if self.listener is not None:
            self.listener(name, chat_id, query_id)
        if name in MESSAGE_METHODS:
            now = time.monotonic()
            self.first_at = self.first_at or now
            self.last_at = now
            self.per_chat[chat_id or 0] += 1
            return 200, self._message(chat_id or 0, photo=name == "sendphoto")
        if name in EDIT_METHODS:
            return 200, self._message(chat_id or 0, photo=name == "editmessagemedia")
        if name == "getme":
            me = {
                "id": 100001,
                "is_bot": True,
                "first_name": "Bench",
                "username": "vitrine_bench_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
            return 200, json.dumps({"ok": True, "result": me}).encode()
        if name == "getupdates":
            await asyncio.sleep(1.0)  # nobody writes to a sink: a long poll that finds nothing
            return 200, b'{"ok":true,"result":[]}'
        if name == "getwebhookinfo":
            info = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
            return 200, json.dumps({"ok": True, "result": info}).encode()
        return 200, b'{"ok":true,"result":true}'

    def stats(self) -> dict[str, object]:
        """What arrived: calls per method, chats reached, duplicates, first and last message."""
        return {
            "methods": dict(self.methods),
            "messages": sum(self.per_chat.values()),
            "chats": len(self.per_chat),
            "duplicates": sum(n - 1 for n in self.per_chat.values() if n > 1),
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


async def run_sink(host: str, port: int) -> None:
    """Serve the sink until SIGTERM or SIGINT."""
    sink = Sink()
    server = await serve(sink.handle, host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"sink listening on {host}:{port}", flush=True)
    await stop.wait()
    server.close()


def main() -> None:
    """`python -m bench.sink --port P`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(run_sink(args.host, args.port))


if __name__ == "__main__":
    main()
