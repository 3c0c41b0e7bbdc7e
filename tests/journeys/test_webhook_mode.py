"""The same bot in webhook mode: the sandbox POSTs updates to our HTTP side with the secret header."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.app import BotEndpoint, running
from bot.http.server import webhook_path
from tests.auxil.sim import Sim, text_of
from tests.conftest import BOT_TOKEN, free_port, make_settings


async def test_start_round_trip_in_webhook_mode(tmp_path: Path, sandbox: object, sim: Sim) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path, VITRINE_HTTP_PORT=str(port), VITRINE_WEBHOOK_URL=f"http://127.0.0.1:{port}"
    )
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)  # type: ignore[attr-defined]
    async with running(settings, endpoint) as runtime:
        assert runtime.application.updater is None  # no polling at all
        fan = await sim.user(3001, "Wen", "en")
        reply = await fan.ask("/start")
        assert "Hello, Wen" in text_of(reply)

        # Without the secret header nobody else can inject updates.
        forged = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 3001, "type": "private"},
                "text": "/start",
            },
        }
        async with httpx.AsyncClient() as client:
            url = f"{runtime.http_url}{webhook_path(runtime.services)}"
            no_header = await client.post(url, json=forged)
            wrong = await client.post(
                url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            )
            malformed = await client.post(
                url,
                content=b"{not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret},
            )
        assert (no_header.status_code, wrong.status_code, malformed.status_code) == (403, 403, 400)
