"""One person floods the bot at 100 commands a second, the sandbox enforcing Telegram's limits.

The throttle (handlers/throttle.py) answers the first 20 of each 10 s window, tells the person
once to slow down, then stays silent: no 429 storm, no RetryAfter traceback, no apology, and
someone else's /start meanwhile is answered. That person's wait is printed as a figure (a
timing, so not asserted; `bench/` is where latency is measured).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import pytest

from bot.texts import LANGUAGES
from tests.auxil.sim import Sim, text_of
from tests.faults.conftest import bot_against, fast_settings

FLOODER = 700_001
BYSTANDER = 700_002
FLOOD = 300  # commands, 10 every 0.1 s: 100 a second for 3 s, within one 10 s window


async def test_a_flood_gets_one_notice_and_others_are_still_answered(
    strict_sandbox: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sim = Sim(strict_sandbox.url)
    try:
        flooder = await sim.user(FLOODER, "Flo", "en")
        bystander = await sim.user(BYSTANDER, "Bea", "en")
        async with bot_against(
            strict_sandbox, fast_settings(tmp_path, VITRINE_THROTTLE_UPDATES="20")
        ) as runtime:
            texts = runtime.services.texts
            notice = texts.render("common/slow_down", "en", seconds=10)
            caplog.set_level(logging.INFO)
            async with httpx.AsyncClient(base_url=strict_sandbox.url, timeout=30) as http:

                async def send(n: int) -> None:
                    body = {"text": "/help" if n % 2 else "/settings"}
                    response = await http.post(f"/sim/users/{FLOODER}/messages", json=body)
                    response.raise_for_status()

                async def flood() -> None:
                    for batch in range(FLOOD // 10):
                        started = time.monotonic()
                        await asyncio.gather(*(send(batch * 10 + i) for i in range(10)))
                        await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - started)))

                flooding = asyncio.create_task(flood())
                await asyncio.sleep(1.0)  # in the middle of the flood
                asked = time.monotonic()
                welcome = await bystander.ask("/start", lambda m: "Bea" in text_of(m))
                waited = time.monotonic() - asked
                await flooding
            await asyncio.sleep(3)  # let the answers the throttle let through go out

        answers = await flooder.bot_messages()
        notices = [m for m in answers if text_of(m) == notice]
        refused = [c for c in list(strict_sandbox.sandbox.calls) if c.get("status") == 429]
    finally:
        await sim.close()

    assert welcome is not None
    assert len(notices) == 1, f"{len(notices)} notices"
    assert len(answers) == 20 + 1  # the window's 20 answers and the notice, nothing after
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert tracebacks == []
    assert [r for r in caplog.records if "handler failed" in r.getMessage()] == []
    print(
        f"\nflood of {FLOOD} commands at 100/s: {len(answers)} answers to the flooder, "
        f"{len(refused)} 429s from the sandbox, the bystander's /start answered in {waited:.2f} s"
    )


async def test_a_button_mashed_past_the_limit_gets_one_toast_and_every_press_an_answer(
    sandbox: Any, tmp_path: Any
) -> None:
    """Telegram shows a pressed button's spinner until the bot answers the press: a throttled
    press is still answered (the first one over the limit with the notice as its toast)."""
    sim = Sim(sandbox.url)
    try:
        masher = await sim.user(FLOODER, "Max", "en")
        async with bot_against(
            sandbox, fast_settings(tmp_path, VITRINE_THROTTLE_UPDATES="5")
        ) as runtime:
            texts = runtime.services.texts
            # The settings' buttons may switch the language: the notice is in the one chosen.
            notices = {texts.render("common/slow_down", lang, seconds=10) for lang in LANGUAGES}
            await masher.ask("/settings", lambda m: bool(m.get("reply_markup")))
            answers = []
            for _ in range(8):  # press the newest keyboard's first button (a press may edit it)
                messages = await masher.bot_messages()
                keyboard = next(m for m in reversed(messages) if m.get("reply_markup"))
                button = next(
                    b["callback_data"]
                    for row in keyboard["reply_markup"]["inline_keyboard"]
                    for b in row
                    if "callback_data" in b
                )
                answers.append(await masher.press_answered(keyboard, button))
            messages = await masher.bot_messages()
    finally:
        await sim.close()
    toasts = [a["text"] for a in answers]
    # /settings and 4 presses pass; the 5th press over the limit gets the notice; then bare answers.
    assert toasts[4] in notices
    assert toasts[5:] == [None, None, None]
    assert not notices & set(toasts[:4])
    assert all(text_of(m) not in notices for m in messages)  # the toast, not a message
