"""A shop owner names their platform the way their interface does: buttons, or the name typed in
either language ("天猫" in the Chinese interface, "Tmall" in English), never a dead end."""

from __future__ import annotations

from bot.app import Runtime
from bot.domain.callbacks import decode, encode
from bot.orders.callbacks import MerchantPlatform
from tests.auxil.sim import Message, Sim, SimUser, buttons_of, plant_button, text_of
from tests.journeys.test_expert_supply_side import has, press_and_wait


def platform_buttons(message: Message) -> dict[str, str]:
    """Button text → partner key of the platform buttons on a message."""
    found = {}
    for b in buttons_of(message):
        value = decode(b["callback_data"])
        if isinstance(value, MerchantPlatform):
            found[b["text"]] = value.partner_key
    return found


async def finish(owner: SimUser, shop_id: str, name: str, here: str, done: str) -> None:
    await owner.ask(shop_id)
    await owner.ask(name)
    await owner.ask(here, has(done))


async def test_chinese_interface_types_tmall_in_chinese(
    vitrine: Runtime, sim: Sim, sandbox: object
) -> None:
    owner = await sim.user(6101, "小王", "zh-hans")
    prompt = await owner.ask("/become_merchant", has("哪个平台"))
    assert platform_buttons(prompt) == {"天猫": "tmall", "淘宝": "taobao", "微卖": "weimai"}
    assert "天猫 · 淘宝 · 微卖" in text_of(prompt)

    # A forged platform button is answered briefly and the question stays open.
    plant_button(sandbox, owner.id, prompt["message_id"], encode(MerchantPlatform("evilshop")))
    answer = await owner.press_answered(prompt, encode(MerchantPlatform("evilshop")))
    assert "合作名单" in (answer.get("text") or "")

    assert "不在合作名单" in text_of(await owner.ask("京东"))
    chosen = await owner.ask("天猫", has("店铺 ID"))
    assert "平台：天猫" in text_of(chosen)
    await finish(owner, "5550001", "小王的店", "这里", "等待管理员审核")
    [shop] = await vitrine.services.repos.merchants.of_user(
        (await vitrine.services.repos.users.by_telegram_id(6101)).id  # type: ignore[union-attr]
    )
    assert (shop.partner_key, shop.shop_id) == ("tmall", "5550001")


async def test_english_interface_buttons_and_names_in_both_languages(
    vitrine: Runtime, sim: Sim
) -> None:
    owner = await sim.user(6102, "Bo", "en")
    prompt = await owner.ask("/become_merchant", has("Which platform"))
    assert platform_buttons(prompt) == {"Tmall": "tmall", "Taobao": "taobao", "Weimai": "weimai"}

    # The Chinese name, any case or width of the English one: all understood.
    assert "Platform: Weimai" in text_of(await owner.ask("微卖", has("shop id")))
    await owner.ask("/cancel", has("cancelled"))
    await owner.ask("/become_merchant", has("Which platform"))
    assert "Platform: Taobao" in text_of(await owner.ask("ＴＡＯＢＡＯ", has("shop id")))
    await owner.ask("/cancel", has("cancelled"))
    await owner.ask("/become_merchant", has("Which platform"))
    assert "Platform: Tmall" in text_of(await owner.ask("tmall", has("shop id")))
    await owner.ask("/cancel", has("cancelled"))

    # Tapping the button is enough; the buttons go away once used.
    prompt = await owner.ask("/become_merchant", has("Which platform"))
    chosen = await press_and_wait(
        owner, prompt, encode(MerchantPlatform("taobao")), "Platform: Taobao"
    )
    assert "shop id" in text_of(chosen)
    assert platform_buttons(await owner.message(prompt["message_id"])) == {}
    await finish(owner, "7770001", "Bo's Gadgets", "here", "waiting for an admin")
    user = await vitrine.services.repos.users.by_telegram_id(6102)
    [shop] = await vitrine.services.repos.merchants.of_user(user.id)  # type: ignore[union-attr]
    assert (shop.partner_key, shop.shop_id) == ("taobao", "7770001")

    # The one-line form takes the Chinese name too.
    done = await owner.ask("/become_merchant 淘宝 7770002 Bo Two", has("waiting for an admin"))
    assert "Bo Two" in text_of(done)
