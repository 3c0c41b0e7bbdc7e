"""The Mini App in sandbox mode: the sandbox stands in for the Telegram client and @BotFather.

The sandbox serves its own telegram-web-app.js and signs initData with its own Ed25519 key (its
public half comes from GET /sim/webapp/key); its chat page frames the app, so it is the page
allowed to. `/newapp` is POST /sim/bots/<bot>/apps, which makes t.me/<bot>/<app>?startapp links
open the app there.
"""

from __future__ import annotations

import dataclasses

import httpx

from bot.config import Settings
from bot.links import miniapp_url

DEMO_APP_SHORT_NAME = "shop"


async def with_sandbox_miniapp(settings: Settings, sandbox_url: str) -> Settings:
    """`settings` with the Mini App pointed at the sandbox (its script, key and chat page)."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as client:
        response = await client.get("/sim/webapp/key")
        response.raise_for_status()
        public_key = str(response.json()["public_key"])
    miniapp = dataclasses.replace(
        settings.miniapp,
        script_url=f"{sandbox_url}/telegram-web-app.js",
        public_key=public_key,
        frame_origins=(sandbox_url,),
        allow_http=True,  # the sandbox is Telegram's test environment: http:// Web Apps work
        short_name=settings.miniapp.short_name or DEMO_APP_SHORT_NAME,
    )
    return dataclasses.replace(settings, miniapp=miniapp)


async def register_sandbox_app(sandbox_url: str, settings: Settings, bot_username: str) -> None:
    """@BotFather's /newapp in the sandbox: the direct link's short name -> the app's URL."""
    url = miniapp_url(settings)
    short_name = settings.miniapp.short_name
    if url is None or short_name is None:
        return
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as client:
        response = await client.post(
            f"/sim/bots/{bot_username}/apps", json={"short_name": short_name, "url": url}
        )
        response.raise_for_status()
