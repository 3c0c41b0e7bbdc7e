"""A new fan's whole story: deep link, follow, interests, window, favourites, cart, feed, top,
language, and finally forgetting them — through the sandbox, as a person would."""

from __future__ import annotations

from pathlib import Path

from bot.app import Runtime
from bot.demo.seed import seed_into
from bot.domain.callbacks import (
    CartAdd,
    FavouriteToggle,
    FeedPage,
    ForgetConfirm,
    InterestsDone,
    InterestsOpen,
    InterestToggle,
    SettingChange,
    SettingsOpen,
    WindowPage,
    decode,
    encode,
)
from tests.auxil.sim import Sim, buttons_of, text_of


def data_of(message: dict, kind: type) -> list:
    """The decoded callback values of `kind` on a message's buttons."""
    found = []
    for key in buttons_of(message):
        if "callback_data" in key:
            value = decode(key["callback_data"])
            if isinstance(value, kind):
                found.append(value)
    return found


async def test_a_new_fan_from_deep_link_to_forget(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    repos = vitrine.services.repos
    await seed_into(repos, tmp_path / "photos")
    lina = await repos.experts.by_handle("lina_beauty")
    wang = await repos.experts.by_handle("techwang")
    assert lina is not None and wang is not None

    fan = await sim.user(5001, "小林", "zh-hans")
    sent = await fan.send("/start lina_beauty")

    # Arrive by deep link: followed, welcomed with the expert, shown their window, asked interests.
    welcome = await fan.wait_for(lambda m: "丽娜美妆 Lina" in text_of(m), after=sent["message_id"])
    card = await fan.wait_for(lambda m: m.get("photo") is not None, after=sent["message_id"])
    onboarding = await fan.wait_for(lambda m: data_of(m, InterestsOpen), after=sent["message_id"])
    assert "关注" in text_of(welcome)
    user = await repos.users.by_telegram_id(5001)
    assert user is not None
    assert await repos.follows.status(user.id, lina.id) == (True, False)
    followed, _ = await repos.follows.page(user.id, offset=0, limit=5)
    assert [(f.expert.handle, f.source) for f in followed] == [("lina_beauty", "deep_link")]

    # Pick interests: beauty -> skincare, then done.
    await fan.press_answered(onboarding, encode(InterestsOpen("beauty", True)))
    tags = await fan.wait_for_change(
        onboarding["message_id"], lambda m: bool(data_of(m, InterestToggle))
    )
    await fan.press_answered(tags, encode(InterestToggle("skincare", True)))
    await fan.wait_for_change(onboarding["message_id"], lambda m: "护肤" in text_of(m))
    await fan.press_answered(
        await fan.message(onboarding["message_id"]), encode(InterestsDone(True))
    )
    assert await repos.interests.tags(user.id) == frozenset({"skincare"})

    # Browse the window page by page: the same message changes photo and caption.
    first_caption, first_photo = text_of(card), card["photo"]
    assert "1/5" in str(buttons_of(card))
    await fan.press_answered(card, encode(WindowPage(lina.id, 1)))
    second = await fan.wait_for_change(card["message_id"], lambda m: text_of(m) != first_caption)
    assert second["photo"] != first_photo and second["edited"]
    first_item = (await repos.items.window(lina.id, offset=0, limit=1))[0][0]
    assert first_item.photo_file_id  # uploaded once, remembered for every later send

    # Favourite the item on the page: the heart changes, the favourite is stored and counted.
    second_item = (await repos.items.window(lina.id, offset=1, limit=1))[0][0]
    answer = await fan.press_answered(second, encode(FavouriteToggle(second_item.id)))
    assert answer["text"] == "已加入收藏。"
    favourites, _ = await repos.favourites.page(user.id, offset=0, limit=5)
    assert [i.id for i in favourites] == [second_item.id]
    assert await repos.events.count("favourite", user_id=user.id) == 1

    # Two items from two shops into the cart.
    await fan.press_answered(await fan.message(card["message_id"]), encode(CartAdd(second_item.id)))
    sent = await fan.send("/window techwang")
    wang_card = await fan.wait_for(lambda m: m.get("photo") is not None, after=sent["message_id"])
    wang_item = (await repos.items.window(wang.id, offset=0, limit=1))[0][0]
    await fan.press_answered(wang_card, encode(CartAdd(wang_item.id)))
    assert await repos.events.count("cart_add", user_id=user.id) == 2

    # The cart is grouped by shop with a subtotal each.
    cart = text_of(await fan.ask("/cart"))
    assert "Lumière 官方旗舰店" in cart and "小王数码铺" in cart
    assert cart.count("小计") == 2 and "¥128.00" in cart and "¥599.00" in cart

    # The feed and the rankings answer with items.
    feed = await fan.ask("/foryou")
    # Lina is followed and skincare is an interest; at most two of her items per page.
    assert "为你推荐" in text_of(feed) and "玻尿酸保湿精华 30ml" in text_of(feed)
    assert text_of(feed).count("丽娜美妆 Lina") == 2 and data_of(feed, FeedPage) == [FeedPage(1)]
    top = await fan.ask("/top")
    assert "24" in text_of(top)

    # Switch to English: the settings redraw in English and so does the next reply.
    settings = await fan.ask("/settings")
    await fan.press_answered(settings, encode(SettingsOpen("lang")))
    await fan.wait_for_change(settings["message_id"], lambda m: bool(data_of(m, SettingChange)))
    await fan.press_answered(
        await fan.message(settings["message_id"]), encode(SettingChange("lang", "en"))
    )
    await fan.wait_for_change(settings["message_id"], lambda m: "Settings" in text_of(m))
    assert "For you" in text_of(await fan.ask("/foryou"))

    # Forget me: confirmed, personal data gone, the row anonymised.
    confirm = await fan.ask("/forget")
    [forget] = data_of(confirm, ForgetConfirm)
    await fan.press_answered(confirm, encode(forget))
    await fan.wait_for_change(confirm["message_id"], lambda m: "deleted" in text_of(m))
    assert await repos.users.by_telegram_id(5001) is None
    gone = await repos.users.get(user.id)
    assert gone is not None and gone.first_name == ""
    assert await repos.follows.expert_ids(user.id) == frozenset()
    assert await repos.cart.lines(user.id) == []
    assert await repos.interests.tags(user.id) == frozenset()
