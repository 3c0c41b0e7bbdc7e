"""Edits fit the message they edit, and an edit that would change nothing is not sent.

A press on a photo card is answered by editing its caption or by a new message, never with
editMessageText (Telegram: "there is no text in the message to edit"); a press whose screen is
already shown sends no edit at all ("message is not modified" is a wasted call) and is still
answered. Counted in the sandbox's Bot API call log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime
from bot.demo.seed import seed_into
from bot.domain.callbacks import ItemMore, ReportItem, WindowPage, encode
from tests.auxil.sim import Sim, SimUser, buttons_of, plant_button, text_of
from tests.journeys.test_item_details import press_and_see, window_of_two

EDITS = ("editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia")


@pytest.fixture
async def seeded(vitrine: Runtime, tmp_path: Path) -> Runtime:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    return vitrine


async def window_card(fan: SimUser, handle: str) -> dict[str, Any]:
    sent = await fan.send(f"/window {handle}")
    return await fan.wait_for(lambda m: m.get("photo") is not None, after=sent["message_id"])


async def refused(sim: Sim) -> list[dict[str, Any]]:
    return [c for c in await sim.calls() if not c["ok"]]


async def edit_calls(sim: Sim) -> int:
    return sum(1 for c in await sim.calls() if c.get("method") in EDITS)


def data_of(message: dict[str, Any], predicate: Any) -> str:
    return next(b["callback_data"] for b in buttons_of(message) if predicate(b))


async def test_report_reasons_on_a_photo_card_are_refused_nowhere(
    seeded: Runtime, sim: Sim, sandbox: Any
) -> None:
    fan = await sim.user(6201, "Rae", "en")
    card = await window_card(fan, "lina_beauty")
    report = data_of(
        card, lambda b: b.get("callback_data", "").startswith(encode(ReportItem(1, ""))[:4])
    )
    item_id = int(report.split(":")[2])

    # The Report button asks for a reason; a reason files it.
    await fan.press_answered(card, report)
    ask = await fan.wait_for(
        lambda m: any("fake" in str(b) for b in buttons_of(m)), after=card["message_id"]
    )
    await fan.press_answered(ask, encode(ReportItem(item_id, "fake")))
    # A reason button on the photo card itself (an old client, or a forged press).
    plant_button(sandbox, fan.id, card["message_id"], encode(ReportItem(item_id, "spam")))
    await fan.press_answered(card, encode(ReportItem(item_id, "spam")))
    await fan.wait_for(lambda m: "report" in text_of(m).lower(), after=ask["message_id"])
    assert await refused(sim) == []


def press_as_shown(sandbox: Any, user_id: int, message_id: int, data: str) -> str:
    """A press of `data` on the message as it is now, as from a client whose keyboard lags one
    step behind (a double tap): Telegram delivers it, whatever the message shows by then.

    The sim's own press route only takes buttons the message has; this queues the same update
    on the sandbox's loop (its state belongs to that thread).
    """
    import hashlib
    import secrets
    import time

    from sandbox.objects import api_message
    from sandbox.records import CallbackRecord

    state = sandbox.sandbox
    [bot] = list(state.bots.values())
    query_id = str(secrets.randbits(63))

    def enqueue() -> None:
        user = state.users[user_id]
        message = bot.chat(user_id).messages[message_id]
        bot.callback_queries[query_id] = CallbackRecord(
            query_id, user_id, user_id, message_id, data, time.time()
        )
        instance = int(hashlib.sha256(f"{bot.id}:{user_id}".encode()).hexdigest()[:15], 16)
        payload = {
            "id": query_id,
            "from": user.api_user(),
            "chat_instance": str(instance),
            "data": data,
            "message": api_message(state, bot, message),
        }
        state.enqueue_update(bot, "callback_query", payload)

    sandbox._loop.call_soon_threadsafe(enqueue)
    return query_id


async def answered(sim: Sim, fan: SimUser, query_id: str) -> bool:
    """Whether the press was answered; returns once the bot has also answered a later /help, by
    when anything the press would have edited has gone out (the press's handler answers, then
    edits at once; /help waits for the database first)."""
    import asyncio

    for _ in range(200):
        record = (await sim.http.get(f"/sim/callbacks/{query_id}")).json()
        if record.get("answered"):
            await fan.ask("/help", lambda m: "/start" in text_of(m))
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_press_that_changes_nothing_sends_no_edit(
    vitrine: Runtime, sim: Sim, sandbox: Any
) -> None:
    expert, _wok, pan = await window_of_two(vitrine, sim)
    fan = await sim.user(6203, "Ivo", "en")
    window = await fan.ask("/window wok_mei", lambda m: m.get("photo") is not None)
    page_two, more = encode(WindowPage(expert.id, 1)), encode(ItemMore(pan.id, "window", 1))
    # The sold-out pan on page 2: a card with no Buy link (its token would be new every second).
    card = await press_and_see(fan, window, page_two, "Item 2 of 2 in Chef Mei's window")
    details = await press_and_see(fan, card, more, "Payment: on Tmall")

    # The details pressed on the details (a caption edit would change nothing).
    before = await edit_calls(sim)
    assert await answered(sim, fan, press_as_shown(sandbox, fan.id, details["message_id"], more))
    assert await edit_calls(sim) == before

    # Back to the card, then its own page pressed on it (a photo edit would change nothing).
    card = await press_and_see(fan, details, page_two, "Item 2 of 2 in Chef Mei's window")
    before = await edit_calls(sim)
    assert await answered(sim, fan, press_as_shown(sandbox, fan.id, card["message_id"], page_two))
    assert await edit_calls(sim) == before
    assert await refused(sim) == []
