"""The event loop the bot's processes run on: uvloop where it is installed, else asyncio's own.

uvloop (libuv under asyncio's interface) makes every await cheaper, above all the ones that
cross threads: each SQL statement through aiosqlite is a few hops to its thread and back, and
each hop ends in `call_soon_threadsafe`. What it gains is measured in bench/ (bench/RESULTS.md).
`VITRINE_EVENT_LOOP=asyncio` keeps asyncio's own loop (a debugger or profiler that needs it).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

Result = TypeVar("Result")

EVENT_LOOPS = ("uvloop", "asyncio")


def uvloop_available() -> bool:
    """True where uvloop can be imported (it is a dependency everywhere but Windows)."""
    return importlib.util.find_spec("uvloop") is not None


def default_event_loop() -> str:
    """`uvloop` where it is installed, else `asyncio`."""
    return "uvloop" if uvloop_available() else "asyncio"


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The factory of the named loop; None: asyncio's default."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    if name == "asyncio":
        return None
    raise ValueError(f"unknown event loop {name!r}; expected one of {', '.join(EVENT_LOOPS)}")


def run(main: Coroutine[Any, Any, Result], *, event_loop: str | None = None) -> Result:
    """`asyncio.run(main)` on the named loop.

    Default: `VITRINE_EVENT_LOOP` when set (bot/config.py validates it for the bot itself), else
    `default_event_loop()`; so a process started beside the bot (a benchmark's baseline) runs on
    the loop the bot runs on.
    """
    name = event_loop or os.environ.get("VITRINE_EVENT_LOOP", "").strip().lower()
    try:
        factory = loop_factory(name or default_event_loop())
    except ValueError:
        main.close()  # never to be run: not left to warn that it was never awaited
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def running_loop_name() -> str:
    """`uvloop` or `asyncio`: what the running loop is (for /healthz)."""
    return (
        "uvloop" if type(asyncio.get_running_loop()).__module__.startswith("uvloop") else "asyncio"
    )
