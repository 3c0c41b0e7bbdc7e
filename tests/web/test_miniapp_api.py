"""The Mini App's API over real HTTP, against the real bot polling the sandbox (issue 16).

A fan who has never written to the bot opens the app: they are who Telegram's signed initData
says, created then; every screen calls the chat's own use cases, so what the app changes the
chat sees. Hostile initData is 401 and changes nothing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from bot.app import BotEndpoint, running
from bot.demo.seed import seed_demo
from bot.experts.window import edit_field
from bot.fan import cart
from bot.services import Services
from storage.repositories.items import Item
from tests.auxil.init_data import TEST_PUBLIC_KEY, init_data, person
from tests.conftest import BOT_TOKEN, make_settings

FAN = 5001  # a Telegram id the bot has never seen
OTHER_BOT_TOKEN = "100002:another-bots-token-00000000000"


@dataclass
class Storefront:
    services: Services
    client: httpx.AsyncClient

    async def call(
        self, method: str, path: str, *, auth: str | None = None, **kwargs: object
    ) -> httpx.Response:
        auth = init_data(BOT_TOKEN, FAN) if auth is None else auth
        headers = {"Authorization": f"tma {auth}"} if auth else {}
        return await self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]

    async def items(self, handle: str = "lina_beauty") -> list[Item]:
        async with self.services.unit_of_work() as uow:
            expert = await uow.experts.by_handle(handle)
            assert expert is not None
            found, _total = await uow.items.window(expert.id, offset=0, limit=50)
        return list(found)

    async def fan_id(self) -> int | None:
        user = await self.services.repos.users.by_telegram_id(FAN)
        return None if user is None else user.id


@pytest.fixture
async def storefront(tmp_path: Path, sandbox: object) -> AsyncIterator[Storefront]:
    settings = make_settings(tmp_path, VITRINE_MINIAPP_PUBLIC_KEY=TEST_PUBLIC_KEY)
    settings = dataclasses.replace(
        settings, miniapp=dataclasses.replace(settings.miniapp, allow_http=True)
    )
    await seed_demo(settings)
    # Telegram's test environment, where the app's http:// loopback URL is a valid Web App URL.
    endpoint = BotEndpoint(BOT_TOKEN, sandbox.test_bot_api_url, sandbox.file_api_url)  # type: ignore[attr-defined]
    async with (
        running(settings, endpoint) as runtime,
        httpx.AsyncClient(base_url=runtime.http_url, timeout=10) as client,
    ):
        yield Storefront(runtime.services, client)


async def test_a_new_fan_sees_an_empty_following_screen_and_exists_from_then(
    storefront: Storefront,
) -> None:
    assert await storefront.fan_id() is None
    response = await storefront.call("GET", "/app/api/following")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["screen"] == "following"
    assert "You follow no experts yet" in answer["html"]
    assert answer["main_button"] is None
    assert await storefront.fan_id() is not None


async def test_window_item_favourite_cart_follow_are_the_chats_own(storefront: Storefront) -> None:
    window = (await storefront.call("GET", "/app/api/window/lina_beauty")).json()
    assert window["screen"] == "window"
    items = await storefront.items()
    assert items and all(item.title in window["html"] for item in items[:12])
    assert "/follow" in window["html"]

    first = items[0]
    detail = (await storefront.call("GET", f"/app/api/items/{first.id}")).json()
    assert detail["screen"] == "item" and detail["title"] == first.title
    assert detail["main_button"]["url"].startswith(storefront.services.settings.public_url + "/go/")

    favourite = (await storefront.call("POST", f"/app/api/items/{first.id}/favourite")).json()
    assert 'aria-pressed="true"' in favourite["html"]
    favourites = (await storefront.call("GET", "/app/api/favourites")).json()
    assert first.title in favourites["html"]

    # Two items from two shops (two experts' windows: each demo expert sells from one shop).
    two = [
        next(item for item in await storefront.items(handle) if item.stock > 0)
        for handle in ("lina_beauty", "techwang")
    ]
    assert two[0].merchant_id != two[1].merchant_id
    for item in two:
        added = (await storefront.call("POST", f"/app/api/items/{item.id}/cart")).json()
        assert "In your cart: 1" in added["html"]
    shown = (await storefront.call("GET", "/app/api/cart")).json()
    assert shown["html"].count('class="shop"') == 2
    assert shown["main_button"]["url"].startswith(storefront.services.settings.public_url + "/go/")

    fan_id = await storefront.fan_id()
    assert fan_id is not None
    chat_cart = await cart.show_cart(storefront.services, fan_id=fan_id, page=0)
    assert {line.item.id for group in chat_cart.groups for line in group.lines} == {
        item.id for item in two
    }

    more = await storefront.call(
        "POST", f"/app/api/cart/{two[0].id}/quantity", json={"quantity": 3}
    )
    assert "× 3" in more.json()["html"]
    gone = await storefront.call(
        "POST", f"/app/api/cart/{two[0].id}/quantity", json={"quantity": 0}
    )
    assert two[0].title not in gone.json()["html"]

    followed = (await storefront.call("POST", "/app/api/window/lina_beauty/follow")).json()
    assert "/unfollow" in followed["html"]
    following = (await storefront.call("GET", "/app/api/following")).json()
    assert "丽娜美妆 Lina" in following["html"]


def _tampered(raw: str, **changes: str) -> str:
    fields = dict(parse_qsl(raw))
    fields.update(changes)
    return urlencode(fields)


HOSTILE = {
    "no-init-data": "",
    "forged-hash": _tampered(init_data(BOT_TOKEN, FAN, with_signature=False), hash="0" * 64),
    "expired": init_data(BOT_TOKEN, FAN, auth_date=int(time.time()) - 2 * 86400),
    "another-bot": init_data(OTHER_BOT_TOKEN, FAN),
    "tampered-user": _tampered(init_data(BOT_TOKEN, 5002), user=person(FAN)),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_hostile_init_data_is_401_and_changes_nothing(
    storefront: Storefront, case: str
) -> None:
    item = (await storefront.items())[0]
    for method, path in (
        ("GET", "/app/api/following"),
        ("POST", f"/app/api/items/{item.id}/favourite"),
        ("POST", f"/app/api/items/{item.id}/cart"),
        ("POST", "/app/api/window/lina_beauty/follow"),
    ):
        response = await storefront.call(method, path, auth=HOSTILE[case])
        assert response.status_code == 401, (case, path, response.text)
        assert response.json() == {"error": "unauthorized"}
    assert await storefront.fan_id() is None  # nobody was created, so nothing was changed


async def test_bad_parameters_are_400_and_change_nothing(storefront: Storefront) -> None:
    item = (await storefront.items())[0]
    await storefront.call("POST", f"/app/api/items/{item.id}/cart")
    bodies: list[object] = [
        {"quantity": -1},
        {"quantity": 100},
        {"quantity": "2"},
        {"quantity": 1.5},
        [],
    ]
    for body in bodies:
        response = await storefront.call("POST", f"/app/api/cart/{item.id}/quantity", json=body)
        assert response.status_code == 400, body
    broken = await storefront.call(
        "POST", f"/app/api/cart/{item.id}/quantity", content=b"{not json"
    )
    assert broken.status_code == 400
    assert (await storefront.call("GET", "/app/api/window/lina_beauty?page=x")).status_code == 400
    shown = (await storefront.call("GET", "/app/api/cart")).json()
    assert "× 1" in shown["html"]


async def test_unknown_things_answer_in_the_fans_language(storefront: Storefront) -> None:
    zh = init_data(BOT_TOKEN, FAN, language_code="zh-hans")
    missing = await storefront.call("GET", "/app/api/items/999999", auth=zh)
    assert missing.status_code == 404
    assert "该商品已不可用" in missing.json()["html"]
    nobody = await storefront.call("GET", "/app/api/window/nobody_here", auth=zh)
    assert nobody.status_code == 404
    assert "橱窗" in nobody.json()["html"]


async def test_an_item_title_with_markup_is_shown_as_text(storefront: Storefront) -> None:
    item = (await storefront.items())[0]
    hostile = '<img src=x onerror="alert(1)">'
    async with storefront.services.unit_of_work(write=True) as uow:
        await uow.items.update_fields(item.id, title=hostile)
    detail = (await storefront.call("GET", f"/app/api/items/{item.id}")).json()
    assert "<img src=x" not in detail["html"]
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in detail["html"]


async def test_the_shell_allows_only_its_own_origin_and_the_script(storefront: Storefront) -> None:
    response = await storefront.client.get("/app")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    script_origin = "https://telegram.org"  # the default: Telegram's own script
    assert f"script-src 'self' {script_origin};" in policy
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "frame-ancestors https://web.telegram.org" in policy
    assert 'src="https://telegram.org/js/telegram-web-app.js"' in response.text
    script = await storefront.client.get("/app/static/app.js")
    assert script.status_code == 200 and "initData" in script.text
    assert (await storefront.client.get("/app/static/..%2Fshell.html.j2")).status_code == 404


async def test_the_window_shows_an_expert_edit_on_the_next_call(storefront: Storefront) -> None:
    """The window page is kept a few seconds for every fan, but never past a catalogue write."""
    item = (await storefront.items())[0]
    before = (await storefront.call("GET", "/app/api/window/lina_beauty")).json()
    assert before["screen"] == "window" and item.title in before["html"]
    again = (await storefront.call("GET", "/app/api/window/lina_beauty")).json()
    assert again["html"] == before["html"]  # kept: the same page
    assert ("lina_beauty", 0) in storefront.services.window_pages.kept_keys()
    expert = await storefront.services.repos.experts.by_handle("lina_beauty")
    assert expert is not None
    await edit_field(
        storefront.services, user_id=expert.user_id, item_id=item.id, field="title", text="Renamed"
    )
    after = (await storefront.call("GET", "/app/api/window/lina_beauty")).json()
    assert "Renamed" in after["html"] and item.title not in after["html"]
