"""A new person's first minutes with the bot, through the sandbox over real HTTP."""

from __future__ import annotations

import httpx

from bot.app import Runtime
from tests.auxil.sim import Sim, text_of


async def test_start_replies_in_the_users_language(vitrine: Runtime, sim: Sim) -> None:
    fan = await sim.user(2001, "小美", "zh-hans")
    reply = await fan.ask("/start")
    assert "你好，小美" in text_of(reply)

    visitor = await sim.user(2002, "Ann", "en")
    reply = await visitor.ask("/start")
    assert "Hello, Ann" in text_of(reply)


async def test_second_start_welcomes_back(vitrine: Runtime, sim: Sim) -> None:
    fan = await sim.user(2003, "Bo", "en")
    first = await fan.ask("/start")
    assert "Hello, Bo" in text_of(first)
    # The first /start also asks for interests (onboarding, once); a second /start does not.
    await fan.wait_for(lambda m: "interest" in text_of(m).lower(), after=first["message_id"])
    again = await fan.send("/start")
    welcome = await fan.wait_for(after=again["message_id"])
    assert "Welcome back, Bo" in text_of(welcome)


async def test_unknown_deep_link_gets_a_friendly_reply_and_the_welcome(
    vitrine: Runtime, sim: Sim
) -> None:
    fan = await sim.user(2004, "Cy", "en")
    reply = await fan.ask("/start nobody_by_this_name")
    assert "couldn't find the expert" in text_of(reply)
    assert "/foryou" in text_of(reply)


async def test_help_lists_commands_and_command_menus_are_registered_per_language(
    vitrine: Runtime, sim: Sim
) -> None:
    fan = await sim.user(2005, "Di", "en")
    reply = await fan.ask("/help")
    assert "/foryou" in text_of(reply) and "Help" in text_of(reply)
    zh = (await sim.http.get("/sim/commands", params={"language_code": "zh"})).json()
    en = (await sim.http.get("/sim/commands", params={"language_code": "en"})).json()
    zh_commands = zh["commands"] if isinstance(zh, dict) else zh
    en_commands = en["commands"] if isinstance(en, dict) else en
    assert {"command": "help", "description": "帮助"} in zh_commands
    assert {"command": "help", "description": "Help"} in en_commands


async def test_unknown_commands_and_free_text_get_a_helpful_reply(
    vitrine: Runtime, sim: Sim
) -> None:
    fan = await sim.user(2006, "Ed", "en")
    assert "I don't know the command /frobnicate" in text_of(await fan.ask("/frobnicate now"))
    assert "only understand commands" in text_of(await fan.ask("hello there"))


async def test_healthz_answers_over_http(vitrine: Runtime) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{vitrine.http_url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
