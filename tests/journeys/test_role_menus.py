"""Menus per role: a fan's menu and /help hold fan commands; a verified expert, a verified merchant
and an admin see their role's commands too, in their own language, set in their chat when the role
changes (verified, suspended, reinstated, an admin's first visit), never for everyone at start."""

from __future__ import annotations

from typing import Any

from bot.app import Runtime
from bot.domain.callbacks import AdminApprove, AdminSuspend, SettingChange, SettingsOpen, encode
from bot.experts.callbacks import AdminUnsuspend, ApplyTagsDone, ApplyVertical
from bot.orders.callbacks import MerchantReview
from tests.auxil.sim import Sim, SimUser, text_of
from tests.conftest import ADMIN_TELEGRAM_ID
from tests.journeys.test_admin_first_week import data_of
from tests.journeys.test_expert_supply_side import has, press_and_see, press_and_wait
from tests.journeys.test_merchant_onboarding import callbacks_on

FAN_COMMANDS = {
    "start",
    "foryou",
    "experts",
    "following",
    "window",
    "favorites",
    "cart",
    "top",
    "interests",
    "settings",
    "help",
    "mydata",
    "forget",
    "become_expert",
    "become_merchant",
}
EXPERT_COMMANDS = {
    "publish",
    "mywindow",
    "campaign",
    "campaigns",
    "stats",
    "export",
    "earnings",
    "reconcile",
}
MERCHANT_COMMANDS = {"orders", "agreements", "rotate_secret", "export", "reconcile"}
ADMIN_COMMANDS = {"admin", "audit", "partners", "platform", "reconcile"}
MENU_METHODS = ("setMyCommands", "deleteMyCommands")


async def menu(sim: Sim, person: SimUser, client_language: str) -> dict[str, str]:
    """The menu the person's Telegram app shows them: {command: description}."""
    response = await sim.http.get(
        "/sim/commands", params={"language_code": client_language, "user_id": person.id}
    )
    response.raise_for_status()
    return {c["command"]: c["description"] for c in response.json()}


def commands_in(text: str) -> set[str]:
    """The /commands a /help answer lists, one per line."""
    return {line[1:].split()[0] for line in text.splitlines() if line.startswith("/")}


async def help_of(person: SimUser) -> str:
    """The person's /help answer (other answers still on their way are skipped)."""
    return text_of(await person.ask("/help", has("/help — ")))


async def menu_calls(sim: Sim) -> list[dict[str, Any]]:
    """Every command-menu call the bot made, oldest first."""
    calls = [c for method in MENU_METHODS for c in await sim.calls(method)]
    return sorted(calls, key=lambda c: c["seq"])


async def apply_as_expert(person: SimUser, handle: str, *, bio_prompt: str = "bio") -> None:
    """The whole /become_expert conversation; `bio_prompt` is a word of its last question."""
    await person.ask("/become_expert")
    await person.ask(handle)
    prompt = await person.ask("Kai Chen")
    tags = await press_and_see(person, prompt, encode(ApplyVertical("cars")), "1:xtag:")
    first_tag = next(d for d in data_of(tags) if d.startswith("1:xtag:"))
    await press_and_see(person, tags, first_tag, "✅")
    await press_and_wait(person, tags, encode(ApplyTagsDone()), bio_prompt)
    await person.ask("I have driven and reviewed cars for years.", has(handle))


async def approve_expert(vitrine: Runtime, admin: SimUser, handle: str) -> None:
    """The admin approves the pending expert from /admin's queue."""
    expert = await vitrine.services.repos.experts.by_handle(handle)
    assert expert is not None
    approve = encode(AdminApprove("expert", expert.id))
    sent = await admin.send("/admin")
    card = await admin.wait_for(lambda m: approve in data_of(m), after=sent["message_id"])
    await press_and_wait(admin, card, approve, f"Approved: @{handle}")


async def test_fans_see_the_fan_menu_and_help_and_their_start_sets_no_menu(
    vitrine: Runtime, sim: Sim
) -> None:
    before = len(await menu_calls(sim))
    ann = await sim.user(8101, "Ann", "en")
    mei = await sim.user(8102, "小美", "zh-hans")
    await ann.ask("/start")
    await mei.ask("/start")

    help_en = await help_of(ann)
    assert commands_in(help_en) == FAN_COMMANDS
    assert "For experts" not in help_en and "/publish" not in help_en
    help_zh = await help_of(mei)
    assert commands_in(help_zh) == FAN_COMMANDS and "申请成为达人" in help_zh

    # Their apps show the default menu, the fan menu, in the app's language.
    assert set(await menu(sim, ann, "en")) == FAN_COMMANDS
    zh = await menu(sim, mei, "zh")
    assert set(zh) == FAN_COMMANDS and zh["help"] == "帮助"
    # Nobody's /start touched a menu: only the default menus exist, set once at start-up.
    assert len(await menu_calls(sim)) == before


async def test_a_verified_expert_gets_the_expert_menu_in_their_language_until_suspended(
    vitrine: Runtime, sim: Sim
) -> None:
    kai = await sim.user(8201, "Kai", "en")
    await apply_as_expert(kai, "kai_menu")
    kaiwen = await sim.user(8202, "凯文", "zh-hans")
    await apply_as_expert(kaiwen, "kaiwen_menu", bio_prompt="介绍")
    # Pending: still a fan.
    assert set(await menu(sim, kai, "en")) == FAN_COMMANDS

    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    await admin.ask("/help")
    await approve_expert(vitrine, admin, "kai_menu")
    await approve_expert(vitrine, admin, "kaiwen_menu")
    await kai.wait_for(has("You are a verified expert"))

    shown = await menu(sim, kai, "en")
    assert set(shown) == FAN_COMMANDS - {"become_expert"} | EXPERT_COMMANDS
    assert shown["publish"] == "Recommend an item"
    help_text = await help_of(kai)
    assert "For experts" in help_text and "/campaign — Start a campaign" in help_text
    assert commands_in(help_text) == set(shown)
    # The Chinese expert's own menu is in Chinese, whatever language their app runs in.
    for app_language in ("zh", "en"):
        shown_zh = await menu(sim, kaiwen, app_language)
        assert shown_zh["publish"] == "推荐商品" and shown_zh["stats"] == "活动数据报告与图表"
    assert "达人功能" in await help_of(kaiwen)

    # Suspended: the expert commands leave the menu and /help; reinstated, they come back.
    kai_id = (await vitrine.services.repos.experts.by_handle("kai_menu")).id  # type: ignore[union-attr]
    card = await admin.ask("/admin expert @kai_menu", has("kai_menu"))
    await press_and_wait(admin, card, encode(AdminSuspend("expert", kai_id)), "Type the reason")
    await admin.ask("Fake reviews.", has("Suspended: @kai_menu"))
    await kai.wait_for(has("has been suspended"))
    assert set(await menu(sim, kai, "en")) == FAN_COMMANDS
    assert "/publish" not in await help_of(kai)

    card = await admin.ask("/admin expert @kai_menu", has("kai_menu"))
    await press_and_wait(admin, card, encode(AdminUnsuspend("expert", kai_id)), "Type the reason")
    await admin.ask("Appeal accepted.", has("Reinstated: @kai_menu"))
    await kai.wait_for(has("is active again"))
    assert "publish" in await menu(sim, kai, "en")
    # A fan's menu never changed on the way.
    fan = await sim.user(8203, "Fay", "en")
    assert set(await menu(sim, fan, "en")) == FAN_COMMANDS


async def test_an_expert_who_switches_language_gets_the_menu_in_the_new_one(
    vitrine: Runtime, sim: Sim
) -> None:
    lin = await sim.user(8301, "Lin", "en")
    await apply_as_expert(lin, "lin_menu")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    await admin.ask("/help")
    await approve_expert(vitrine, admin, "lin_menu")
    await lin.wait_for(has("You are a verified expert"))
    assert (await menu(sim, lin, "en"))["publish"] == "Recommend an item"

    settings = await lin.ask("/settings")
    chinese = encode(SettingChange("lang", "zh_Hans"))
    await lin.press_answered(settings, encode(SettingsOpen("lang")))
    await lin.wait_for_change(settings["message_id"], lambda m: chinese in data_of(m))
    await lin.press_answered(await lin.message(settings["message_id"]), chinese)
    await lin.wait_for_change(settings["message_id"], lambda m: "设置" in text_of(m))
    assert (await menu(sim, lin, "en"))["publish"] == "推荐商品"


async def test_a_verified_merchant_gets_the_merchant_menu_by_either_approve_button(
    vitrine: Runtime, sim: Sim
) -> None:
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    await admin.ask("/help")
    # The review request's own button (handlers/merchant/shop.py).
    bo = await sim.user(8401, "Bo", "en")
    await bo.ask("/become_merchant taobao 8884001 Bo's Gadgets", has("waiting for an admin"))
    assert set(await menu(sim, bo, "en")) == FAN_COMMANDS
    request = await admin.wait_for(
        lambda m: "Bo's Gadgets" in text_of(m) and bool(callbacks_on(m, MerchantReview))
    )
    [approve] = [v for v in callbacks_on(request, MerchantReview) if v.approve]
    after = await bo.last_message_id()
    await admin.press(request, encode(approve))
    await bo.wait_for(lambda m: "verified" in text_of(m) and "whsec_" in text_of(m), after=after)
    shown = await menu(sim, bo, "en")
    assert set(shown) == FAN_COMMANDS | MERCHANT_COMMANDS
    assert shown["orders"] == "Recent orders of your shop"
    assert "For merchants" in await help_of(bo)

    # The admin queue's Approve (handlers/admin/moderation.py), for a Chinese shop owner.
    wang = await sim.user(8402, "小王", "zh-hans")
    await wang.ask("/become_merchant 天猫 8884002 小王的店", has("等待管理员审核"))
    merchant = next(
        m
        for m in await vitrine.services.repos.merchants.of_user(
            (await vitrine.services.repos.users.by_telegram_id(8402)).id  # type: ignore[union-attr]
        )
    )
    approve_data = encode(AdminApprove("merchant", merchant.id))
    sent = await admin.send("/admin")
    card = await admin.wait_for(lambda m: approve_data in data_of(m), after=sent["message_id"])
    await press_and_wait(admin, card, approve_data, "Approved: 小王的店")
    shown = await menu(sim, wang, "zh")
    assert set(shown) == FAN_COMMANDS | MERCHANT_COMMANDS
    assert shown["orders"] == "店铺最近订单"


async def test_an_admin_gets_the_admin_menu_on_the_first_visit_only(
    vitrine: Runtime, sim: Sim
) -> None:
    admin = await sim.user(ADMIN_TELEGRAM_ID, "阿达", "zh-hans")
    sent = await admin.send("/start")
    await admin.wait_for(has("你是平台管理员"), after=sent["message_id"])
    shown = await menu(sim, admin, "zh")
    assert set(shown) == FAN_COMMANDS | ADMIN_COMMANDS
    assert shown["audit"] == "审计日志"
    help_text = await help_of(admin)
    assert "管理员功能" in help_text and "/platform" in help_text

    # Seen once: the next visits set nothing more.
    calls = len(await menu_calls(sim))
    sent = await admin.send("/start")
    await admin.wait_for(has("你是平台管理员"), after=sent["message_id"])
    await admin.ask("/admin", has("待审核"))
    assert len(await menu_calls(sim)) == calls
    # A fan's /help has no admin section.
    fan = await sim.user(8501, "Fay", "en")
    assert commands_in(await help_of(fan)) == FAN_COMMANDS
