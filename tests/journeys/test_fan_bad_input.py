"""Fans who do odd things: unknown links, forged or outdated buttons, junk arguments, blocking
the bot — each gets a short, friendly answer and nothing is lost."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime
from bot.demo.seed import seed_into
from bot.domain.callbacks import (
    CartAdd,
    CartPage,
    FavouriteToggle,
    ForgetConfirm,
    WindowPage,
    encode,
)
from bot.domain.tokens import derive_key, verify_buy_token
from bot.links import BUY_TOKEN_PURPOSE
from tests.auxil.sim import Sim, SimUser, buttons_of, plant_button, text_of


@pytest.fixture
async def seeded(vitrine: Runtime, tmp_path: Path) -> Runtime:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    return vitrine


async def window_card(fan: SimUser, handle: str) -> dict[str, Any]:
    sent = await fan.send(f"/window {handle}")
    return await fan.wait_for(lambda m: m.get("photo") is not None, after=sent["message_id"])


@pytest.mark.parametrize("payload", ["nobody_by_this_name", "<script>", "x" * 80, "lina_beauty%00"])
async def test_unknown_or_malformed_deep_links_get_the_normal_welcome(
    seeded: Runtime, sim: Sim, payload: str
) -> None:
    fan = await sim.user(6001, "Ann", "en")
    reply = await fan.ask(f"/start {payload}")
    assert "couldn't find the expert" in text_of(reply)
    user = await seeded.services.repos.users.by_telegram_id(6001)
    assert (
        user is not None and await seeded.services.repos.follows.expert_ids(user.id) == frozenset()
    )


async def test_a_suspended_expert_cannot_be_followed_by_link(seeded: Runtime, sim: Sim) -> None:
    repos = seeded.services.repos
    mei = await repos.experts.by_handle("chef_mei")
    assert mei is not None
    await repos.experts.set_status(mei.id, "suspended")
    fan = await sim.user(6002, "Bo", "en")
    assert "couldn't find the expert" in text_of(await fan.ask("/start chef_mei"))


async def test_commands_with_junk_arguments(seeded: Runtime, sim: Sim) -> None:
    fan = await sim.user(6003, "Cy", "en")
    assert "doesn't look like an expert's handle" in text_of(await fan.ask("/window <b>!!"))
    assert "couldn't find an expert called nobody" in text_of(await fan.ask("/window nobody"))
    assert "You don't follow anyone yet" in text_of(await fan.ask("/window"))
    top = text_of(await fan.ask("/top 🤖🤖 junk"))
    assert "There is no ranking called" in top and "Hot in the last 24 hours" in top
    assert "No experts match" in text_of(await fan.ask("/experts zzzqqq"))
    found = await fan.ask("/experts skincare")
    assert "丽娜美妆 Lina" in text_of(found) and "TechWang" not in text_of(found)
    assert "Your interests" in text_of(await fan.ask("/interests nonsense"))


async def test_forged_and_outdated_buttons_get_a_short_answer(
    seeded: Runtime, sim: Sim, sandbox: Any
) -> None:
    repos = seeded.services.repos
    fan = await sim.user(6004, "Di", "en")
    card = await window_card(fan, "lina_beauty")
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    item = (await repos.items.window(lina.id, offset=0, limit=1))[0][0]

    for forged in ("1:fav:99999999", "1:fav:abc", "7:fav:1", "1:win:1", "1:cqty:1:-1", "1:fgtok:0"):
        plant_button(sandbox, 6004, card["message_id"], forged)
        answer = await fan.press_answered(await fan.message(card["message_id"]), forged)
        assert answer["text"], forged  # always a word, never silence or a crash

    # The item is delisted while its card is still on screen.
    async with repos.engine.begin() as conn:
        from sqlalchemy import update

        from storage.schema import items

        await conn.execute(update(items).where(items.c.id == item.id).values(status="delisted"))
    answer = await fan.press_answered(
        await fan.message(card["message_id"]), encode(CartAdd(item.id))
    )
    assert answer["text"] == "This item is no longer available."
    # An old page number: the window shrank, the fan is shown the last page with a word.
    answer = await fan.press_answered(
        await fan.message(card["message_id"]), encode(WindowPage(lina.id, 1))
    )
    assert answer["text"] in (None, "The list has changed; here is its latest page.")
    plant_button(sandbox, 6004, card["message_id"], encode(WindowPage(lina.id, 40)))
    answer = await fan.press_answered(
        await fan.message(card["message_id"]), encode(WindowPage(lina.id, 40))
    )
    assert answer["text"] == "The list has changed; here is its latest page."

    # An expired /forget confirmation deletes nothing.
    confirm = await fan.ask("/forget")
    stale = encode(ForgetConfirm(int(time.time()) - 3600))
    plant_button(sandbox, 6004, confirm["message_id"], stale)
    answer = await fan.press_answered(await fan.message(confirm["message_id"]), stale)
    assert "expired" in answer["text"]
    assert await repos.users.by_telegram_id(6004) is not None


async def test_delisted_and_sold_out_items_stay_visible_in_the_cart(
    seeded: Runtime, sim: Sim
) -> None:
    repos = seeded.services.repos
    fan = await sim.user(6005, "Ed", "en")
    card = await window_card(fan, "chef_mei")
    mei = await repos.experts.by_handle("chef_mei")
    assert mei is not None
    items, _ = await repos.items.window(mei.id, offset=0, limit=3)
    await fan.press_answered(card, encode(CartAdd(items[0].id)))
    user = await repos.users.by_telegram_id(6005)
    assert user is not None
    for item in items[1:]:  # the same press on the next window pages
        await repos.cart.add(user.id, item.id)
    async with repos.engine.begin() as conn:
        from sqlalchemy import update

        from storage.schema import items as table

        await conn.execute(update(table).where(table.c.id == items[0].id).values(status="delisted"))
        await conn.execute(update(table).where(table.c.id == items[1].id).values(stock=0))
    cart = await fan.ask("/cart")
    text = text_of(cart)
    assert items[0].title in text and "no longer listed" in text
    assert items[1].title in text and "sold out" in text
    assert "Subtotal: ¥159.00" in text  # only the skillet can be bought
    buy = [b for b in buttons_of(cart) if "url" in b]
    assert len(buy) == 1 and "/go/" in buy[0]["url"]


async def test_a_fan_who_blocks_the_bot_keeps_everything(seeded: Runtime, sim: Sim) -> None:
    repos = seeded.services.repos
    fan = await sim.user(6006, "Fay", "en")
    card = await window_card(fan, "techwang")
    wang = await repos.experts.by_handle("techwang")
    assert wang is not None
    item = (await repos.items.window(wang.id, offset=0, limit=1))[0][0]
    await fan.press_answered(card, encode(CartAdd(item.id)))
    await fan.press_answered(card, encode(FavouriteToggle(item.id)))

    await fan.block()
    user = await repos.users.by_telegram_id(6006)
    assert user is not None
    for _ in range(100):
        user = await repos.users.by_telegram_id(6006)
        if user is not None and user.unreachable:
            break
        await asyncio.sleep(0.05)
    assert user is not None and user.unreachable

    await fan.unblock()
    cart = await fan.ask("/cart")
    assert item.title in text_of(cart)
    assert [c.item.id for c in await repos.cart.lines(user.id)] == [item.id]
    assert (await repos.users.by_telegram_id(6006)).unreachable is False  # type: ignore[union-attr]
    assert any(isinstance(b.get("callback_data"), str) for b in buttons_of(cart))
    assert encode(CartPage(0)) not in str(buttons_of(cart))  # one page: no page buttons


async def test_shared_item_cards_credit_the_sharer(seeded: Runtime, sim: Sim) -> None:
    repos = seeded.services.repos
    fan = await sim.user(6007, "Gus", "en")
    card = await window_card(fan, "lina_beauty")  # uploads the first photo
    share = next(b for b in buttons_of(card) if "switch_inline_query" in b)
    answer = await fan.inline(share["switch_inline_query"])
    [result] = answer["results"]
    assert answer["is_personal"] is True and result["type"] == "photo"
    buy = result["reply_markup"]["inline_keyboard"][0][0]["url"]
    key = derive_key(seeded.services.settings.secret_key, BUY_TOKEN_PURPOSE)
    token = verify_buy_token(buy.rsplit("/go/", 1)[1], key, now=int(time.time()))
    user = await repos.users.by_telegram_id(6007)
    assert user is not None and token.sharer_ref == user.id and token.source == "share"

    by_words = await fan.inline("Lipstick")
    assert [r["title"] for r in by_words["results"]] == ["Silk Matte Lipstick #Rose"]
    assert (await fan.inline("#99999"))["results"] == []
