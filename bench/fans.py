"""The fans' load generator, with the Bot API sink in the same process.

`python -m bench.fans CONFIG OUT`: CONFIG (JSON) names the sink's port, the bot's webhook URL
and secret, the fans (Telegram id, an expert they follow and that expert's item ids), how many
fans press at once and for how long. The sink starts first (the bot asks it getMe on start);
once the bot's /healthz answers, each fan, in a closed loop, posts a button press to the bot's
webhook route — next page of the window, an item's details, ♥ — and waits until the bot's two
calls for it reached the sink (the answer to the press, and the edited or new message). The
time from post to the second call is the press's latency.

With an "abuser" in CONFIG ({"telegram_id", "per_second"}), one more person meanwhile posts
`/help` at that rate without waiting for answers (the `abuse` benchmark); the messages the bot
sends to their chat are counted.

Writes {"completed", "seconds", "latencies_ms", "timeouts", "errors", "methods", "abuser"} to OUT.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.sink import EDIT_METHODS, MESSAGE_METHODS, PHOTO, Sink
from bench.wire import Connection, serve
from bot.domain.callbacks import FavouriteToggle, ItemDetail, WindowPage, encode

PRESS_TIMEOUT_SECONDS = 30.0
WARMUP_SECONDS = 2.0
ABUSE_CONNECTIONS = 20  # the flood's connections: a slow route answer must not slow the flood


@dataclass
class FanState:
    """One fan's press in flight: which calls of the bot have arrived for it."""

    query_id: str = ""
    answered: bool = False
    messaged: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def check(self) -> None:
        if self.answered and self.messaged:
            self.done.set()


def _press(telegram_id: int, update_id: int, query_id: str, data: str, message_id: int) -> bytes:
    """A button press as Telegram posts it to a webhook."""
    update = {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": {
                "id": telegram_id,
                "is_bot": False,
                "first_name": f"Fan{telegram_id}",
                "language_code": "en",
            },
            "chat_instance": f"ci{telegram_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": telegram_id, "type": "private", "first_name": "Fan"},
                "from": {"id": 100001, "is_bot": True, "first_name": "Bench"},
                "photo": PHOTO,
                "caption": "item",
                # The card's keyboard as the bot sent it: ♥ relabels the pressed button.
                "reply_markup": {
                    "inline_keyboard": [
                        [{"text": "♡", "callback_data": data}],
                        [{"text": "Buy", "url": "https://vitrine-bench.invalid/go/x"}],
                    ]
                },
            },
        },
    }
    return json.dumps(update).encode()


def _command(telegram_id: int, number: int, text: str) -> bytes:
    """A command typed in a private chat, as Telegram posts it to a webhook."""
    update = {
        "update_id": 50_000_000_000 + number,  # apart from the presses' ids
        "message": {
            "message_id": 500_000 + number,
            "date": int(time.time()),
            "chat": {"id": telegram_id, "type": "private", "first_name": "Flood"},
            "from": {"id": telegram_id, "is_bot": False, "first_name": "Flood"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }
    return json.dumps(update).encode()


async def run(config: dict[str, Any]) -> dict[str, Any]:
    """Serve the sink, wait for the bot, press buttons, measure."""
    sink = Sink()
    states: dict[int, FanState] = {}
    by_query: dict[str, int] = {}
    abuser = config.get("abuser")
    abuser_id = int(abuser["telegram_id"]) if abuser else None
    abuse = {"posted": 0, "messages_received": 0}

    def listener(method: str, chat_id: int | None, query_id: str | None) -> None:
        if method == "answercallbackquery" and query_id is not None:
            fan = by_query.pop(query_id, None)
            if fan is not None:
                states[fan].answered = True
                states[fan].check()
        elif chat_id is not None and (method in MESSAGE_METHODS or method in EDIT_METHODS):
            if chat_id == abuser_id:
                abuse["messages_received"] += 1
            state = states.get(chat_id)
            if state is not None and state.query_id:
                state.messaged = True
                state.check()

    sink.listener = listener
    server = await serve(sink.handle, "127.0.0.1", int(config["sink_port"]))
    host, port = config["bot_host"], int(config["bot_port"])
    # Several web processes (updates-pg): each fan keeps its connection to one, in turn.
    ports = [int(p) for p in config.get("bot_ports") or [port]]
    for each in ports:
        probe = Connection(host, each)
        deadline = time.monotonic() + 180
        while True:
            try:
                await probe.request("GET", "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        await probe.close()

    seconds = float(config["seconds"])
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": config["secret"],
        "Content-Type": "application/json",
    }
    latencies: list[float] = []
    timeouts = errors = 0
    started = time.monotonic()
    measure_from = started + WARMUP_SECONDS
    stop_at = measure_from + seconds
    completed = 0

    async def fan_loop(fan: dict[str, Any], number: int) -> None:
        nonlocal timeouts, errors, completed
        telegram_id = int(fan["telegram_id"])
        state = states[telegram_id] = FanState()
        connection = Connection(host, ports[number % len(ports)])
        rng = random.Random(number)
        press = 0
        await asyncio.sleep(rng.random() * 0.5)  # fans do not all press in the same instant
        while time.monotonic() < stop_at:
            press += 1
            items = fan["items"]
            action = press % 3
            if action == 0:
                data = encode(WindowPage(int(fan["expert_id"]), rng.randrange(len(items))))
            elif action == 1:
                data = encode(ItemDetail(rng.choice(items), "window"))
            else:
                data = encode(FavouriteToggle(rng.choice(items)))
            query_id = f"{telegram_id}-{press}"
            state.query_id, state.answered, state.messaged = query_id, False, False
            state.done.clear()
            by_query[query_id] = telegram_id
            began = time.monotonic()
            status, _ = await connection.request(
                "POST",
                config["webhook_path"],
                # Every press its own update_id, whatever the fans' Telegram ids. (It once came
                # from `telegram_id % 1000`: the full-size fans, 1,250 ids apart, had 4 residues,
                # their presses shared ids, and the bot rightly dropped them as redeliveries.)
                _press(telegram_id, number * 10_000_000 + press, query_id, data, 1000 + press),
                headers,
            )
            if status != 200:
                errors += 1
                await asyncio.sleep(0.1)
                continue
            try:
                await asyncio.wait_for(state.done.wait(), PRESS_TIMEOUT_SECONDS)
            except TimeoutError:
                timeouts += 1
                by_query.pop(query_id, None)
                continue
            ended = time.monotonic()
            if measure_from <= ended <= stop_at:
                completed += 1
                latencies.append((ended - began) * 1000)
        state.query_id = ""
        await connection.close()

    async def abuse_loop(telegram_id: int, per_second: float, lane: int, lanes: int) -> None:
        # One of `lanes` connections, each posting its share of the rate without waiting for
        # the bot's answers (only for the route's 200, as Telegram does).
        connection = Connection(host, port)
        number = lane
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            number += lanes
            await connection.request(
                "POST", config["webhook_path"], _command(telegram_id, number, "/help"), headers
            )
            abuse["posted"] += 1
            next_at += lanes / per_second
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        await connection.close()

    fans = config["fans"][: int(config["concurrency"])]
    loops = [fan_loop(fan, n) for n, fan in enumerate(fans)]
    if abuser_id is not None:
        lanes = ABUSE_CONNECTIONS
        loops += [
            abuse_loop(abuser_id, float(abuser["per_second"]), n, lanes) for n in range(lanes)
        ]
    await asyncio.gather(*loops)
    server.close()
    return {
        "completed": completed,
        "seconds": seconds,
        "latencies_ms": latencies,
        "timeouts": timeouts,
        "errors": errors,
        "methods": dict(sink.methods),
        "abuser": abuse,
    }


def main() -> int:
    """`python -m bench.fans CONFIG OUT`."""
    config = json.loads(Path(sys.argv[1]).read_text())
    result = asyncio.run(run(config))
    Path(sys.argv[2]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
