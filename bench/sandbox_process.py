"""The sandbox Telegram in its own process, enforcing Telegram's limits, counting for `push`.

`python -m bench.sandbox_process PORT USERS_FILE`: the strict sandbox (30/s per bot, 1/s per
private chat, 429 with retry_after past them) with the people of USERS_FILE (one Telegram id
a line) already created, and GET /bench/stats: how many messages the bot has in each chat,
how many calls were answered 429, and the times of successful sends.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.records import SimUser
from sandbox.server import SandboxServer

SEND_METHODS = frozenset({"sendmessage", "sendphoto"})


def main() -> int:
    """Serve until SIGTERM."""
    port, users_file = int(sys.argv[1]), Path(sys.argv[2])
    sent_at: list[float] = []
    answered: dict[int, int] = {}

    async def stats(_request: Request) -> Response:
        per_chat: dict[int, int] = {}
        for bot in list(server.sandbox.bots.values()):
            for chat_id, log in list(bot.chats.items()):
                per_chat[chat_id] = sum(1 for m in list(log.messages.values()) if m.sender == "bot")
        return JSONResponse({"per_chat": per_chat, "statuses": answered, "sent_at": list(sent_at)})

    server = SandboxServer(
        port=port, limits="telegram", extra_routes=[Route("/bench/stats", stats)]
    )
    original = server.sandbox.log_call

    def log_call(entry: dict[str, Any]) -> None:
        status = int(entry.get("status", 0))
        answered[status] = answered.get(status, 0) + 1
        if status == 200 and str(entry.get("method", "")).lower() in SEND_METHODS:
            sent_at.append(time.time())
        original(entry)

    server.sandbox.log_call = log_call  # type: ignore[method-assign]
    for line in users_file.read_text().split():
        telegram_id = int(line)
        server.sandbox.users[telegram_id] = SimUser(telegram_id, f"Fan{telegram_id}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"sandbox on {server.url}", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
