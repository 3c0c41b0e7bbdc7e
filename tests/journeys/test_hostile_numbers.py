"""Numbers from outside are read within their range: a hostile one gets an answer, never a crash.

An inline query's offset, a campaign number after /stats or /export: each is range-checked
where it is parsed (bot/domain/numbers.py). "99999999999999999999999" overflowed SQLite's
integer in the inline search and was never answered; "²" passes `str.isdigit()` and broke
`int()` in /stats. Callback data, prices, stock and order callbacks have their own bounded
parsers (tests/unit/test_callbacks.py, test_money.py, test_webhooks.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Runtime
from bot.demo.catalogue import DEMO_EXPERT_ID
from bot.demo.seed import seed_into
from tests.auxil.sim import Sim, text_of

HOSTILE = ["99999999999999999999999", "9223372036854775808", "²", "-1", "1e3", " 10", "0x10"]


@pytest.fixture
async def seeded(vitrine: Runtime, tmp_path: Path) -> Runtime:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    return vitrine


async def test_a_hostile_inline_offset_is_answered_with_nothing(seeded: Runtime, sim: Sim) -> None:
    fan = await sim.user(6101, "Ola", "en")
    first = await fan.inline("Lipstick")
    assert first["results"]  # the search itself works
    for offset in HOSTILE:
        answer = await fan.inline("Lipstick", offset=offset)  # the sandbox waits for the answer
        assert answer["results"] == [] and answer.get("next_offset", "") == "", offset
    deep = await fan.inline("Lipstick", offset="10")  # an offset we could have given: a page
    assert deep["results"] == []


@pytest.mark.parametrize("command", ["/stats", "/export"])
async def test_a_hostile_campaign_number_gets_the_usage(
    seeded: Runtime, sim: Sim, command: str
) -> None:
    lina = await sim.user(DEMO_EXPERT_ID, "Lina", "en")
    apology = seeded.services.texts.render("common/error", "en")
    for number in ["²", "99999999999999999999999", "#-3", "1٣"]:
        reply = await lina.ask(f"{command} {number}")
        assert text_of(reply) != apology, number
        assert f"{command} " in text_of(reply), text_of(reply)  # the usage names the command
