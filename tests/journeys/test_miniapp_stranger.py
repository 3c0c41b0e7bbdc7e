"""Someone who has never written to the bot opens a t.me/<bot>/<app>?startapp=<handle> link.

The sandbox plays the Telegram client: it signs the launch's initData as Telegram does (hash and
Ed25519 signature), without `allows_write_to_pm` since the bot may not write to them yet. The
bot takes them for who initData says, creates them in their language, and opens the expert the
link names; each of the two signatures alone is enough, and neither can be moved to another fan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from bot.app import BotEndpoint, Runtime, running
from bot.demo.miniapp import register_sandbox_app, with_sandbox_miniapp
from bot.demo.seed import seed_demo
from tests.auxil.sim import Sim
from tests.conftest import BOT_TOKEN, make_settings

STRANGER = 5401


@pytest.fixture
async def app_runtime(tmp_path: Path, sandbox: Any) -> AsyncIterator[Runtime]:
    settings = await with_sandbox_miniapp(make_settings(tmp_path), sandbox.url)
    await seed_demo(settings)
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.test_bot_api_url, sandbox.file_api_url)
    async with running(settings, endpoint) as runtime:
        await register_sandbox_app(sandbox.url, settings, runtime.application.bot.username)
        yield runtime


async def launch(sim: Sim, runtime: Runtime, handle: str) -> str:
    """The initData of the stranger opening the expert's direct link."""
    bot = runtime.application.bot.username
    response = await sim.http.post(
        f"/sim/users/{STRANGER}/open-link",
        json={"url": f"https://t.me/{bot}/shop?startapp={handle}"},
    )
    response.raise_for_status()
    return str(response.json()["init_data"])


async def test_a_stranger_is_created_by_the_app_and_sees_the_linked_window(
    app_runtime: Runtime, sim: Sim
) -> None:
    await sim.user(STRANGER, "阿明", "zh-hans")  # on Telegram, never wrote to the bot
    init = await launch(sim, app_runtime, "chef_mei")
    fields = dict(parse_qsl(init))
    assert fields["start_param"] == "chef_mei"
    assert "allows_write_to_pm" not in fields["user"]
    repos = app_runtime.services.repos
    assert await repos.users.by_telegram_id(STRANGER) is None

    async with httpx.AsyncClient(base_url=app_runtime.http_url, timeout=10) as client:

        async def window(auth: str) -> httpx.Response:
            return await client.get(
                "/app/api/window/chef_mei", headers={"Authorization": f"tma {auth}"}
            )

        opened = await window(init)
        assert opened.status_code == 200, opened.text
        assert "梅姐厨房" in opened.json()["html"] and "关注" in opened.json()["html"]
        user = await repos.users.by_telegram_id(STRANGER)
        assert user is not None and user.first_name == "阿明" and user.language == "zh_Hans"

        # Either signature alone is enough: Telegram's hash, or the Ed25519 third-party one.
        hash_only = urlencode({k: v for k, v in fields.items() if k != "signature"})
        # Without the signature the hash no longer matches (it covers it): re-launch instead.
        assert (await window(hash_only)).status_code == 401
        signature_only = urlencode({k: v for k, v in fields.items() if k != "hash"})
        assert (await window(signature_only)).status_code == 200

        # The same initData with another person in it proves nothing.
        other = dict(fields, user=fields["user"].replace(str(STRANGER), str(STRANGER + 1)))
        assert (await window(urlencode(other))).status_code == 401
        assert await repos.users.by_telegram_id(STRANGER + 1) is None
