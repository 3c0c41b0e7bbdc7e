"""/go/<token>: the intermediate page, click logging, hostile tokens and open redirects."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, update
from starlette.applications import Starlette

from bot.domain.partners import DEFAULT_PARTNERS
from bot.domain.tokens import BuyToken, derive_key, sign_buy_token
from bot.http import HttpContext, routes_for
from bot.links import BUY_TOKEN_PURPOSE
from storage.schema import clicks, items
from tests.web.conftest import BOT_USERNAME, MoneyPath

PARTNER_HOSTS = ("tmall.com", "tmall.hk", "taobao.com", "weimai.com")


def token_for(
    money: MoneyPath,
    item_id: int,
    fan_id: int,
    *,
    issued_at: int | None = None,
    secret: str | None = None,
    purpose: str = BUY_TOKEN_PURPOSE,
) -> str:
    key = derive_key(secret or money.settings.secret_key, purpose)
    return sign_buy_token(
        BuyToken(
            item_id,
            fan_id,
            "window",
            None,
            None,
            int(time.time()) if issued_at is None else issued_at,
        ),
        key,
    )


async def click_rows(money: MoneyPath) -> list[dict[str, object]]:
    async with money.services.repos.engine.connect() as conn:
        return [dict(r._mapping) for r in (await conn.execute(select(clicks))).all()]


async def test_page_shows_the_item_in_the_fans_language_and_logs_the_click(
    money: MoneyPath,
) -> None:
    fan = await money.fan_id(1001, "en")
    page = await money.client.get(money.buy_path(1, fan), headers={"user-agent": "UA/" + "x" * 400})
    assert page.status_code == 200
    for expected in (
        "玻尿酸保湿精华 30ml",
        "¥169.00",
        "42 in stock",
        "干皮救星",
        "Tmall",
        "handled by Lumière 官方旗舰店 on Tmall",
        "Continue to Tmall",
    ):
        assert expected in page.text
    [row] = await click_rows(money)
    assert (row["item_id"], row["fan_id"], row["source"]) == (1, fan, "window")
    assert row["expert_id"] == (await money.item(1)).expert_id
    assert len(row["user_agent"]) == 256 and row["user_agent"].startswith("UA/")
    assert f"continue?c={row['id']}" in page.text

    zh_fan = await money.fan_id(1005, "zh-hans")
    zh = await money.client.get(money.buy_path(1, zh_fan))
    assert "库存 42 件" in zh.text and "前往天猫购买" in zh.text and "付款、发货和售后" in zh.text


async def test_unknown_fans_get_the_browsers_language(money: MoneyPath) -> None:
    path = money.buy_path(1, 987654)  # a fan who has since deleted their account
    en = await money.client.get(path, headers={"accept-language": "en-US,en;q=0.9"})
    zh = await money.client.get(path, headers={"accept-language": "zh-CN"})
    assert "Continue to Tmall" in en.text and "前往天猫购买" in zh.text
    assert all(row["fan_id"] is None for row in await click_rows(money))


async def test_sold_out_items_say_so(money: MoneyPath) -> None:
    page = await money.client.get(money.buy_path(4, await money.fan_id()))
    assert page.status_code == 200 and "Sold out" in page.text


def _mutations(token: str) -> list[str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    flipped = [
        token[:i] + (alphabet[(alphabet.index(c) + 1) % 64]) + token[i + 1 :]
        for i, c in enumerate(token)
    ]
    truncated = [token[:n] for n in range(len(token))]
    return (
        flipped
        + truncated
        + [token + "A", token + "AA", token + "=", token.lower(), "%00", "...", "x" * 300]
    )


async def test_forged_truncated_and_tampered_tokens_get_the_404_page(money: MoneyPath) -> None:
    fan = await money.fan_id()
    good = token_for(money, 1, fan)
    bad = [t for t in _mutations(good) if t != good]
    bad += [
        token_for(money, 1, fan, secret="another-secret-of-enough-length-0123456789"),
        token_for(money, 1, fan, purpose="something-else"),
    ]
    for token in bad:
        response = await money.client.get(f"/go/{token}", headers={"accept-language": "en"})
        assert response.status_code == 404, token
        assert "This link doesn't work" in response.text
    assert await click_rows(money) == []


async def test_valid_token_for_an_item_that_never_existed_is_404(money: MoneyPath) -> None:
    response = await money.client.get(f"/go/{token_for(money, 999_999, await money.fan_id())}")
    assert response.status_code == 404 and await click_rows(money) == []


async def test_expired_link_shows_the_item_with_a_fresh_link(money: MoneyPath) -> None:
    fan = await money.fan_id()
    old = token_for(money, 1, fan, issued_at=int(time.time()) - 31 * 86400)
    page = await money.client.get(f"/go/{old}")
    assert page.status_code == 200 and "玻尿酸保湿精华 30ml" in page.text
    assert f"/go/{old}/continue" not in page.text
    fresh_path = page.text.split('href="')[-1].split('"')[0].replace("&amp;", "&")
    assert (await money.client.get(fresh_path)).status_code == 302


async def test_delisted_items_lead_back_to_the_expert(money: MoneyPath) -> None:
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(update(items).where(items.c.id == 2).values(status="delisted"))
    page = await money.client.get(money.buy_path(2, await money.fan_id()))
    assert page.status_code == 410
    assert "No longer available" in page.text
    assert f"https://t.me/{BOT_USERNAME}?start=lina_beauty" in page.text
    assert await click_rows(money) == []


async def test_suspended_expert_hides_the_item_without_a_link(money: MoneyPath) -> None:
    expert = await money.services.repos.experts.by_handle("lina_beauty")
    assert expert is not None
    await money.services.repos.experts.set_status(expert.id, "suspended")
    page = await money.client.get(money.buy_path(1, await money.fan_id()))
    assert page.status_code == 410 and "t.me" not in page.text


async def test_continue_redirects_only_to_the_whitelisted_partner_with_the_click_id(
    money: MoneyPath,
) -> None:
    fan = await money.fan_id()
    click = await money.click(1, fan)
    path = money.buy_path(1, fan)
    response = await money.client.get(
        f"{path}/continue", params={"c": click, "next": "https://evil.example"}
    )
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert target.scheme == "https" and target.hostname == "detail.tmall.com"
    assert parse_qs(target.query) == {"id": ["600000000001"], "vitrine_click": [click]}


@pytest.mark.parametrize(
    "c",
    [
        "",
        "https://evil.example",
        "//evil.example",
        "nope",
        "a" * 40,
        "../../etc",
        "%2F%2Fevil.example",
    ],
)
async def test_continue_refuses_unknown_click_ids(money: MoneyPath, c: str) -> None:
    fan = await money.fan_id()
    await money.click(1, fan)
    response = await money.client.get(f"{money.buy_path(1, fan)}/continue", params={"c": c})
    assert response.status_code == 404 and "location" not in response.headers


async def test_a_click_on_one_item_cannot_open_another(money: MoneyPath) -> None:
    fan = await money.fan_id()
    click_on_2 = await money.click(2, fan)
    response = await money.client.get(
        f"{money.buy_path(1, fan)}/continue", params={"c": click_on_2}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "stored_url",
    [
        "https://evil.example/item.htm?id=600000000001",
        "https://detail.tmall.com:8443/item.htm?id=600000000001",
        "https://user@detail.tmall.com/item.htm?id=600000000001",
        "https://detail.tmall.com.evil.example/item.htm?id=600000000001",
        "https://evil.example\\@detail.tmall.com/item.htm?id=1",
        "javascript:alert(1)",
        "https://s.click.taobao.com/abc",
    ],
)
async def test_a_tampered_stored_url_is_never_a_redirect_target(
    money: MoneyPath, stored_url: str
) -> None:
    fan = await money.fan_id()
    click = await money.click(1, fan)
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(update(items).where(items.c.id == 1).values(canonical_url=stored_url))
    response = await money.client.get(f"{money.buy_path(1, fan)}/continue", params={"c": click})
    assert response.status_code == 404 and "location" not in response.headers


async def test_a_stored_http_partner_url_is_upgraded_to_https(money: MoneyPath) -> None:
    fan = await money.fan_id()
    click = await money.click(1, fan)
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(
            update(items)
            .where(items.c.id == 1)
            .values(canonical_url="http://detail.tmall.com/item.htm?id=600000000001")
        )
    response = await money.client.get(f"{money.buy_path(1, fan)}/continue", params={"c": click})
    assert response.headers["location"].startswith("https://detail.tmall.com/")


async def test_every_redirect_from_go_lands_on_a_partner_host(money: MoneyPath) -> None:
    fan = await money.fan_id()
    for item_id in range(1, 12):
        click = await money.click(item_id, fan)
        response = await money.client.get(
            f"{money.buy_path(item_id, fan)}/continue", params={"c": click}
        )
        assert response.status_code == 302
        host = urlsplit(response.headers["location"]).hostname or ""
        assert any(host == h or host.endswith("." + h) for h in PARTNER_HOSTS), host


async def test_demo_checkout_is_honoured_only_in_sandbox_mode(money: MoneyPath) -> None:
    fan = await money.fan_id()
    click = await money.click(1, fan)

    async def fetch(settings_changes: dict[str, object]) -> httpx.Response:
        settings = dataclasses.replace(money.settings, **settings_changes)
        services = dataclasses.replace(money.services, settings=settings)

        async def nothing(*_args: object) -> None:
            return None

        ctx = HttpContext(
            services=services,
            bot_username=lambda: BOT_USERNAME,
            fetch_file=nothing,
            on_order=nothing,
        )  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=Starlette(routes=routes_for(ctx)))
        async with httpx.AsyncClient(transport=transport, base_url="http://vitrine.test") as client:
            return await client.get(f"{money.buy_path(1, fan)}/continue", params={"c": click})

    sandbox = await fetch({"demo_checkout_url": "http://127.0.0.1:9/checkout"})
    assert sandbox.headers["location"].startswith("http://127.0.0.1:9/checkout?")
    production = await fetch(
        {"demo_checkout_url": "http://127.0.0.1:9/checkout", "telegram_bot_token": "1:" + "a" * 30}
    )
    assert urlsplit(production.headers["location"]).hostname == "detail.tmall.com"


async def test_photos_are_served_by_item_id_only(money: MoneyPath) -> None:
    photo = await money.client.get("/items/1/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert photo.content.startswith(b"\x89PNG")
    for path in (
        "/items/999999/photo",
        "/items/-1/photo",
        "/items/abc/photo",
        "/items/1/../../photo",
        "/items/%2e%2e/photo",
        "/items/99999999999999999999999/photo",
    ):
        assert (await money.client.get(path)).status_code == 404, path
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(update(items).where(items.c.id == 1).values(status="suspended"))
    assert (await money.client.get("/items/1/photo")).status_code == 404


def test_partner_hosts_in_this_test_match_the_whitelist() -> None:
    suffixes = {s for p in DEFAULT_PARTNERS for s in p.host_suffixes}
    assert suffixes == set(PARTNER_HOSTS)
