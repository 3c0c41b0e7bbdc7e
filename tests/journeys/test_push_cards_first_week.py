"""Fans and the cards campaigns bring them: the digest, push-card buttons, pre-sale reminders.

Issue 12 ("the first week"): the digest ran its items together on one line with one Buy link;
a multi-item push had one Buy button; push cards had no Favourite, Add to cart or Mute; the
pre-sale reminder had no Buy button; and every reservation said it came from the rankings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Runtime
from bot.campaigns import runs
from bot.campaigns.jobs import campaigns_of
from bot.domain.callbacks import (
    CartAdd,
    FavouriteToggle,
    MuteToggle,
    ReservePresale,
    TopPage,
    encode,
)
from storage.schema import events
from tests.auxil.campaigns import (
    buy_token,
    eventually,
    follower,
    has_button,
    lina_in,
    run_now,
    toast,
)
from tests.auxil.sim import Message, Sim, buttons_of, plant_button, text_of

LANGUAGES = ("en", "zh_Hans")


def links_of(message: Message) -> list[str]:
    """The URLs of the text links of a message (what the fan taps in the text)."""
    return re.findall(r'<a href="([^"]+)">', message.get("html") or "")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_digest_gives_every_item_its_own_block_and_buy_link(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    lina = await lina_in(vitrine, sim, tmp_path, language)
    first, second, third = lina.items
    fan, fan_id = await follower(vitrine, sim, 5101, language, push_mode="digest")
    two_items = await run_now(vitrine, lina.expert, "push", (first.id, second.id))
    one_item = await run_now(vitrine, lina.expert, "push", (third.id,))

    # The digest hour comes: the dispatcher's clock moves a day on (a test cannot wait for it).
    dispatcher = vitrine.services.outbox.dispatcher
    assert dispatcher is not None
    real_now = dispatcher.now
    dispatcher.now = lambda: real_now() + timedelta(days=1, hours=1)  # type: ignore[method-assign]
    runtime = campaigns_of(vitrine.application.bot_data)
    assert await runtime.run_digest(dispatcher.now()) == 1
    dispatcher.wake()
    heading = vitrine.services.texts.render("campaign/digest", language, entries=[], more=0)
    digest = await fan.wait_for(lambda m: text_of(m).startswith(re.sub("<[^>]+>", "", heading)))

    text = text_of(digest)
    blocks = text.split("\n\n")[1:]  # after the heading
    assert len(blocks) == 3  # one block per item, each on lines of its own
    buy_label = vitrine.services.texts.label(language, "campaign.buy")
    links = links_of(digest)
    assert len(links) == 3
    for block, item in zip(blocks, (first, second, third), strict=True):
        assert item.title in block
        assert sum(other.title in block for other in lina.items) == 1
        assert block.splitlines()[-1] == buy_label  # its own Buy link, on its own line
    for link, item, campaign_id in zip(
        links, (first, second, third), (two_items, two_items, one_item), strict=True
    ):
        token = buy_token(vitrine, link)
        assert (token.item_id, token.fan_ref, token.source, token.campaign_id) == (
            item.id,
            fan_id,
            "campaign",
            campaign_id,
        )


async def test_a_digest_too_long_for_one_message_ends_with_how_many_more(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    repos = vitrine.services.repos
    lina = await lina_in(vitrine, sim, tmp_path, "en")
    fan, _ = await follower(vitrine, sim, 5151, "en", push_mode="digest")
    template = lina.items[0]
    runtime = campaigns_of(vitrine.application.bot_data)
    items = [
        await repos.items.create(
            expert_id=lina.expert.id,
            partner_key=template.partner_key,
            partner_item_id=f"{900000 + n}",
            canonical_url=f"https://detail.tmall.com/item.htm?id={900000 + n}",
            title=f"Limited edition serum number {n:02d} with a long descriptive name",
            reason="A reason.",
            price_fen=10000 + n,
            stock=5,
        )
        for n in range(60)
    ]
    # Twenty campaigns of three items in one day: more than one message can hold.
    for start in range(0, 60, 3):
        campaign = await repos.campaigns.create(
            expert_id=lina.expert.id,
            kind="push",
            item_ids=[i.id for i in items[start : start + 3]],
            audience={"tags": [], "push": True},
            starts_at=datetime.now(UTC),
            recurrence=None,
            progress_chat_id=None,
        )
        # The fan-out alone (the progress messages would pace Lina's chat at one a second).
        assert (
            await runs.fire_run(vitrine.services, campaign.id, datetime.now(UTC), fired_by="test")
            == 1
        )

    dispatcher = vitrine.services.outbox.dispatcher
    assert dispatcher is not None
    real_now = dispatcher.now
    dispatcher.now = lambda: real_now() + timedelta(days=1, hours=1)  # type: ignore[method-assign]
    assert await runtime.run_digest(dispatcher.now()) == 1
    dispatcher.wake()
    digest = await fan.wait_for(lambda m: items[0].title in text_of(m))

    text = text_of(digest)
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    shown = [i for i in items if i.title in text]
    assert 10 < len(shown) < 60 and shown == items[: len(shown)]
    more = 60 - len(shown)
    assert text.endswith(f"…and {more} more picks that didn't fit in this message.")
    assert len(links_of(digest)) == len(shown)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_item_of_a_push_has_its_buy_and_the_card_buttons_work(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    repos = vitrine.services.repos
    texts = vitrine.services.texts
    lina = await lina_in(vitrine, sim, tmp_path, language)
    first, second, _ = lina.items
    fan, fan_id = await follower(vitrine, sim, 5201, language)
    campaign_id = await run_now(vitrine, lina.expert, "push", (first.id, second.id))

    card = await fan.wait_for(has_button(encode(MuteToggle(lina.expert.id))))
    assert first.title in text_of(card) and second.title in text_of(card)
    buys = [b for b in buttons_of(card) if "/go/" in b.get("url", "")]
    assert [buy_token(vitrine, b["url"]).item_id for b in buys] == [first.id, second.id]
    for button in buys:
        token = buy_token(vitrine, button["url"])
        assert (token.fan_ref, token.source, token.campaign_id) == (
            fan_id,
            "campaign",
            campaign_id,
        )
    assert second.title[:20] in buys[1]["text"]  # which item each Buy is for
    for item in (first, second):
        assert has_button(encode(FavouriteToggle(item.id)))(card)
        assert has_button(encode(CartAdd(item.id)))(card)

    # Favourite the second item: saved, said in the fan's language, the button relabelled.
    answer = await fan.press_answered(card, encode(FavouriteToggle(second.id)))
    assert toast(answer) == texts.render("fan/notice", language, code="fav_added")
    assert await repos.favourites.among(fan_id, [first.id, second.id]) == {second.id}
    relabelled = await fan.wait_for_change(
        card["message_id"],
        lambda m: any(
            b.get("callback_data") == encode(FavouriteToggle(second.id))
            and b["text"] == texts.label(language, "fan.fav_remove")
            for b in buttons_of(m)
        ),
    )
    assert len([b for b in buttons_of(relabelled) if "/go/" in b.get("url", "")]) == 2

    # Add the first to the cart.
    answer = await fan.press_answered(card, encode(CartAdd(first.id)))
    assert toast(answer) == texts.render("fan/notice", language, code="cart_added", quantity=1)
    assert [line.item.id for line in await repos.cart.lines(fan_id)] == [first.id]

    # Mute Lina from the card: said so, and her next push does not come.
    answer = await fan.press_answered(card, encode(MuteToggle(lina.expert.id)))
    assert toast(answer) == texts.render(
        "fan/notice", language, code="muted", expert=lina.expert.display_name
    )
    assert await repos.follows.status(fan_id, lina.expert.id) == (True, True)
    await run_now(vitrine, lina.expert, "push", (lina.items[2].id,))
    assert not any(lina.items[2].title in text_of(m) for m in await fan.bot_messages())


@pytest.mark.parametrize("language", LANGUAGES)
async def test_presale_reminder_comes_with_the_reservers_own_buy_button(
    vitrine: Runtime, sim: Sim, tmp_path: Path, language: str
) -> None:
    lina = await lina_in(vitrine, sim, tmp_path, language)
    item = lina.items[0]
    fan, fan_id = await follower(vitrine, sim, 5301, language)
    campaign_id = await run_now(
        vitrine,
        lina.expert,
        "presale",
        (item.id,),
        opens_at=datetime.now(UTC) + timedelta(days=2),
    )
    reserve = encode(ReservePresale(item.id, "push"))
    card = await fan.wait_for(has_button(reserve))
    answer = await fan.press_answered(card, reserve)
    assert toast(answer) == vitrine.services.texts.render("fan/notice", language, code="reserved")

    runtime = campaigns_of(vitrine.application.bot_data)
    assert await runtime.remind_presale(item.id) == 1  # the job armed for the opening runs this
    reminder = await fan.wait_for(lambda m: item.title in text_of(m), after=card["message_id"])
    (buy,) = buttons_of(reminder)
    assert buy["text"] == vitrine.services.texts.label(language, "campaign.buy")
    token = buy_token(vitrine, buy["url"])
    assert (token.item_id, token.fan_ref, token.source, token.campaign_id) == (
        item.id,
        fan_id,
        "campaign",
        campaign_id,
    )


async def _reserve_sources(vitrine: Runtime, fan_id: int) -> list[tuple[str | None, int | None]]:
    async with vitrine.services.repos.engine.connect() as conn:
        rows = await conn.execute(
            select(events.c.source, events.c.campaign_id)
            .where(events.c.kind == "reserve", events.c.user_id == fan_id)
            .order_by(events.c.id)
        )
        return [(r[0], r[1]) for r in rows]


async def test_a_reservation_records_where_its_button_was_pressed(
    vitrine: Runtime, sim: Sim, sandbox: Any, tmp_path: Path
) -> None:
    repos = vitrine.services.repos
    lina = await lina_in(vitrine, sim, tmp_path, "en")
    pushed, from_top, old_card = lina.items
    fan, fan_id = await follower(vitrine, sim, 5401, "en")
    opens_at = datetime.now(UTC) + timedelta(days=2)
    campaign_id = await run_now(vitrine, lina.expert, "presale", (pushed.id,), opens_at=opens_at)
    for item in (from_top, old_card):  # opened for pre-sale without a push
        await repos.items.set_presale_opening(item.id, opens_at)

    # From the push card.
    card = await fan.wait_for(has_button(encode(ReservePresale(pushed.id, "push"))))
    await fan.press_answered(card, encode(ReservePresale(pushed.id, "push")))

    # From the pre-sale ranking (/top, "want" board).
    board = encode(TopPage("", "want", 0))
    top = await fan.ask("/top", has_button(board))
    await fan.press_answered(top, board)
    ranking = await fan.wait_for_change(
        top["message_id"], has_button(encode(ReservePresale(from_top.id, "top")))
    )
    await fan.press_answered(ranking, encode(ReservePresale(from_top.id, "top")))

    # A button sent before the source was carried still reserves, its source unknown.
    plant_button(sandbox, 5401, card["message_id"], f"1:rsv:{old_card.id}")
    answer = await fan.press_answered(card, f"1:rsv:{old_card.id}")
    assert toast(answer) == vitrine.services.texts.render("fan/notice", "en", code="reserved")

    # A forged source is refused with a short word, and reserves nothing.
    forged = f"1:rsv:{lina.items[0].id}:evil"
    plant_button(sandbox, 5401, card["message_id"], forged)
    answer = await fan.press_answered(card, forged)
    assert toast(answer) == vitrine.services.texts.render("fan/notice", "en", code="stale")

    await eventually(lambda: _has_reservations(vitrine, fan_id, 3))
    assert await _reserve_sources(vitrine, fan_id) == [
        ("push", campaign_id),
        ("top", None),
        ("unknown", None),
    ]


async def _has_reservations(vitrine: Runtime, fan_id: int, count: int) -> bool:
    return len(await vitrine.services.repos.reservations.item_ids(fan_id)) >= count
