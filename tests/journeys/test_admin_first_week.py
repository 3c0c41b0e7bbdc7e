"""An admin's first week: what waited before they ever chatted with the bot, suspensions that the
expert hears about (and why), cards that show what happened, and the audit log in the bot."""

from __future__ import annotations

import asyncio

from bot.admin.callbacks import AuditView
from bot.app import Runtime
from bot.domain.callbacks import AdminApprove, AdminSuspend, encode
from bot.domain.partner_links import parse_partner_link
from bot.domain.partners import DEFAULT_PARTNERS
from bot.experts.callbacks import AdminUnsuspend, ApplyTagsDone, ApplyVertical
from tests.auxil.sim import Message, Sim, SimUser, buttons_of, plant_button, text_of
from tests.conftest import ADMIN_TELEGRAM_ID
from tests.journeys.test_expert_supply_side import has, press_and_see, press_and_wait


def data_of(message: Message) -> list[str]:
    return [b["callback_data"] for b in buttons_of(message) if "callback_data" in b]


async def apply_as_expert(person: SimUser, handle: str) -> None:
    """The whole /become_expert conversation, as a new expert types it."""
    await person.ask("/become_expert")
    await person.ask(handle)
    prompt = await person.ask("Kai Chen")
    tags = await press_and_see(person, prompt, encode(ApplyVertical("cars")), "1:xtag:")
    first_tag = next(d for d in data_of(tags) if d.startswith("1:xtag:"))
    await press_and_see(person, tags, first_tag, "✅")
    await press_and_wait(person, tags, encode(ApplyTagsDone()), "bio")
    await person.ask("I have driven and reviewed cars for years.", has(handle))


async def verified_expert_with_item(
    vitrine: Runtime, telegram_id: int, handle: str, language: str
) -> tuple[int, int]:
    """A verified expert (who has chatted with the bot) with one listed item."""
    repos = vitrine.services.repos
    await repos.partners.sync((p.key, p.name, {}) for p in DEFAULT_PARTNERS)
    user = await repos.users.upsert_from_telegram(telegram_id, handle, None, language)
    expert = await repos.experts.create(
        user_id=user.id,
        handle=handle,
        display_name=handle,
        vertical="beauty",
        tags=["skincare"],
        bio="Skincare reviews.",
        status="verified",
    )
    link = parse_partner_link("https://detail.tmall.com/item.htm?id=42", DEFAULT_PARTNERS)
    item = await repos.items.create(
        expert_id=expert.id,
        partner_key=link.partner_key,
        partner_item_id=link.item_id,
        canonical_url=link.canonical_url,
        title="Miracle cream",
        reason="Cures everything overnight.",
        price_fen=9900,
        stock=5,
    )
    return expert.id, item.id


async def changed(person: SimUser, message: Message, expected: str) -> Message:
    """The same message once an edit shows `expected` (in its text or its buttons)."""
    for _ in range(200):
        current = await person.message(message["message_id"])
        if expected in text_of(current) or expected in str(buttons_of(current)):
            return current
        await asyncio.sleep(0.05)
    raise AssertionError(f"message never showed {expected!r}: {current!r}")


# --- What waits for an admin who was not there --------------------------------------------


async def test_an_admin_who_never_chatted_finds_everything_waiting_on_first_start(
    vitrine: Runtime, sim: Sim
) -> None:
    repos = vitrine.services.repos
    # Before the admin ever talks to the bot: an expert applies, a shop registers, a fan reports.
    kai = await sim.user(7101, "Kai", "en")
    await apply_as_expert(kai, "kai_cars")
    owner = await sim.user(7102, "Bo", "en")
    await owner.ask("/become_merchant taobao 8880001 Bo's Gadgets", has("waiting for an admin"))
    _expert, item_id = await verified_expert_with_item(vitrine, 7103, "cream_queen", "en")
    fan = await repos.users.upsert_from_telegram(7104, "Fay", None, "en")
    await repos.item_reports.create(item_id, fan.id, "fake")

    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    sent = await admin.send("/start")
    summary = await admin.wait_for(has("This is what waits for you"), after=sent["message_id"])
    assert "Pending expert applications: 1" in text_of(summary)
    assert "Pending merchant applications: 1" in text_of(summary)
    assert "Open reports: 1" in text_of(summary)
    assert encode(AuditView("all", 0, 0, False)) in data_of(summary)
    application = await admin.wait_for(has("Expert application"), after=sent["message_id"])
    shop = await admin.wait_for(has("Merchant application"), after=sent["message_id"])
    report = await admin.wait_for(has("Fake or counterfeit"), after=sent["message_id"])
    assert "Bo's Gadgets" in text_of(shop) and "Miracle cream" in text_of(report)

    # The buttons work: approving tells the applicant, who still had no answer.
    expert = await repos.experts.by_handle("kai_cars")
    assert expert is not None
    approve = encode(AdminApprove("expert", expert.id))
    assert approve in data_of(application)
    await press_and_wait(admin, application, approve, "Approved: @kai_cars")
    await kai.wait_for(has("You are a verified expert"))
    # /admin any time shows the same queue, now one shorter.
    queue = await admin.ask("/admin", has("Pending expert applications"))
    assert "Pending expert applications: 0" in text_of(queue)
    assert "Pending merchant applications: 1" in text_of(queue)


async def test_a_chinese_admin_is_greeted_with_the_queue_and_fans_see_nothing_more(
    vitrine: Runtime, sim: Sim
) -> None:
    owner = await sim.user(7201, "小王", "zh-hans")
    await owner.ask("/become_merchant 天猫 8880002 小王的店", has("等待管理员审核"))
    admin = await sim.user(ADMIN_TELEGRAM_ID, "阿达", "zh-hans")
    sent = await admin.send("/start")
    summary = await admin.wait_for(has("你是平台管理员"), after=sent["message_id"])
    assert "待审核商家申请：1" in text_of(summary)
    shop = await admin.wait_for(has("小王的店"), after=sent["message_id"])
    assert "天猫" in text_of(shop)

    # A fan's /start is only the greeting (and the interests question), never the queue.
    fan = await sim.user(7202, "小美", "zh-hans")
    sent = await fan.send("/start")
    await fan.wait_for(has("你好"), after=sent["message_id"])
    await fan.wait_for(lambda m: bool(buttons_of(m)), after=sent["message_id"])
    await asyncio.sleep(0.3)  # let anything else that would come arrive
    assert not any("平台管理员" in text_of(m) for m in await fan.bot_messages())


# --- Suspensions: the owner is told why; the card shows what happened -------------------------


async def test_an_item_suspended_and_reinstated_tells_the_expert_why_and_updates_the_card(
    vitrine: Runtime, sim: Sim
) -> None:
    _expert, item_id = await verified_expert_with_item(vitrine, 7301, "cream_queen", "en")
    queen = await sim.user(7301, "Queen", "en")
    await queen.ask("/help")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    await admin.ask("/help")

    stale_card = await admin.ask(f"/admin item {item_id}", has("Miracle cream"))
    card = await admin.ask(f"/admin item {item_id}", has("Miracle cream"))
    assert "Active" in text_of(card)
    suspend = encode(AdminSuspend("item", item_id))
    asked = await press_and_wait(admin, card, suspend, "Type the reason")
    assert "@cream_queen will read it" in text_of(asked)
    done = await admin.ask("Counterfeit photos.", has("Suspended: Miracle cream"))
    assert "@cream_queen was told, with your reason" in text_of(done)

    card = await changed(admin, card, "Suspended")
    assert "Reason: Counterfeit photos." in text_of(card)
    assert encode(AdminUnsuspend("item", item_id)) in data_of(card)
    assert suspend not in data_of(card)
    notice = await queen.wait_for(has("has been suspended"))
    assert "Miracle cream" in text_of(notice) and "Reason: Counterfeit photos." in text_of(notice)
    # An older card of the same item (or another admin's) is brought up to date, not obeyed.
    await press_and_wait(admin, stale_card, suspend, "Nothing changed")
    assert "Reason: Counterfeit photos." in text_of(await changed(admin, stale_card, "Suspended"))

    # Reinstated from the same card, with a reason too.
    await press_and_wait(admin, card, encode(AdminUnsuspend("item", item_id)), "Type the reason")
    await admin.ask("Photos replaced by the expert.", has("Reinstated: Miracle cream"))
    card = await changed(admin, card, "Delisted by its expert")
    assert "Reason: Photos replaced by the expert." in text_of(card)
    assert suspend in data_of(card)
    notice = await queen.wait_for(has("has been reinstated"))
    assert "/mywindow" in text_of(notice) and "Photos replaced by the expert." in text_of(notice)

    # /cancel while the reason is asked leaves everything as it was.
    await press_and_wait(admin, card, suspend, "Type the reason")
    await admin.ask("/cancel", has("stays as it was"))
    assert (await vitrine.services.repos.items.get(item_id)).status == "delisted"  # type: ignore[union-attr]
    actions = [e.action for e in await vitrine.services.repos.audit.for_target("item", item_id)]
    assert actions == ["item.suspend", "item.unsuspend"]


async def test_a_suspended_expert_hears_why_and_every_expert_command_says_so(
    vitrine: Runtime, sim: Sim
) -> None:
    zh_id, _ = await verified_expert_with_item(vitrine, 7401, "mei_glow", "zh-hans")
    en_id, _ = await verified_expert_with_item(vitrine, 7402, "lena_glow", "en")
    mei = await sim.user(7401, "小美", "zh-hans")
    lena = await sim.user(7402, "Lena", "en")
    for person in (mei, lena):
        await person.ask("/help")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    await admin.ask("/help")

    for handle, expert_id, reason in (
        ("mei_glow", zh_id, "虚假宣传，多次被举报。"),
        ("lena_glow", en_id, "Repeated fake claims."),
    ):
        card = await admin.ask(f"/admin expert @{handle}", has(handle))
        await press_and_wait(
            admin, card, encode(AdminSuspend("expert", expert_id)), "Type the reason"
        )
        await admin.ask(reason, has(f"Suspended: @{handle}"))
        await changed(admin, card, "Suspended")

    notice = await mei.wait_for(has("已被平台管理员暂停"))
    assert "@mei_glow" in text_of(notice) and "原因：虚假宣传，多次被举报。" in text_of(notice)
    notice = await lena.wait_for(has("has been suspended"))
    assert "Reason: Repeated fake claims." in text_of(notice)

    for command in ("/campaigns", "/campaign", "/publish"):
        zh = text_of(await mei.ask(command))
        assert "你的达人资料已被暂停" in zh and "虚假宣传，多次被举报。" in zh, command
        assert "/become_expert" not in zh, command
        en = text_of(await lena.ask(command))
        assert "Your expert profile is suspended" in en, command
        assert "Repeated fake claims." in en and "/become_expert" not in en, command

    # Reinstated: told, and the commands work again.
    card = await admin.ask("/admin expert @lena_glow", has("lena_glow"))
    await press_and_wait(admin, card, encode(AdminUnsuspend("expert", en_id)), "Type the reason")
    await admin.ask("Appeal accepted.", has("Reinstated: @lena_glow"))
    assert "Appeal accepted." in text_of(await lena.wait_for(has("is active again")))
    assert "Send a photo" in text_of(await lena.ask("/publish"))


async def test_an_upheld_report_tells_the_expert_the_reports_reason_in_their_language(
    vitrine: Runtime, sim: Sim
) -> None:
    repos = vitrine.services.repos
    _expert, item_id = await verified_expert_with_item(vitrine, 7501, "mei_beauty", "zh-hans")
    mei = await sim.user(7501, "小美", "zh-hans")
    await mei.ask("/help")
    fan = await repos.users.upsert_from_telegram(7502, "Fay", None, "en")
    report_id, _ = await repos.item_reports.create(item_id, fan.id, "misleading")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    sent = await admin.send("/admin")
    report = await admin.wait_for(has("Misleading"), after=sent["message_id"])
    await press_and_wait(
        admin, report, encode(AdminApprove("report", report_id)), "Suspended: Miracle cream"
    )
    notice = await mei.wait_for(has("已被平台管理员暂停"))
    assert "Miracle cream" in text_of(notice) and "原因：误导" in text_of(notice)


# --- The audit log in the bot -------------------------------------------------------------------


async def test_admins_page_through_the_audit_log_and_filter_it_by_target(
    vitrine: Runtime, sim: Sim, sandbox: object
) -> None:
    repos = vitrine.services.repos
    expert_id, item_id = await verified_expert_with_item(vitrine, 7601, "cream_queen", "en")
    other_expert, other_item = await verified_expert_with_item(vitrine, 7602, "glow_guru", "en")
    queen = await repos.users.by_telegram_id(7601)
    assert queen is not None
    for n in range(23):  # the expert edits the price 23 times
        await repos.audit.record(queen.id, "item.edit.price", "item", item_id, {"new": n})
    guru = await repos.users.by_telegram_id(7602)
    await repos.audit.record(guru.id, "item.pin", "item", other_item)  # type: ignore[union-attr]
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    await admin.ask("/help")
    # One real decision, with its reason, so the log shows both.
    card = await admin.ask("/admin expert @glow_guru", has("glow_guru"))
    await press_and_wait(admin, card, encode(AdminSuspend("expert", other_expert)), "reason")
    await admin.ask("Spam in reviews.", has("Suspended"))

    # /admin → Audit log: the newest ten of 25, then Older / Newer in the same message.
    sent = await admin.send("/admin")
    summary = await admin.wait_for(has("Pending expert applications"), after=sent["message_id"])
    log = await press_and_wait(admin, summary, encode(AuditView("all", 0, 0, False)), "Audit log")
    assert "Page 1 of 3 · 25 in all" in text_of(log)
    assert "🛡 Ada suspended the expert · expert @glow_guru" in text_of(log)
    assert "Reason: Spam in reviews." in text_of(log)
    assert "@cream_queen changed the price · item Miracle cream" in text_of(log)
    assert "@glow_guru pinned the item · item Miracle cream" in text_of(log)
    assert text_of(log).count("changed the price") == 8
    older = encode(AuditView("all", 0, 1, True))
    assert data_of(log) == [older]
    log = await press_and_see(admin, log, older, "Page 2 of 3")
    assert text_of(log).count("changed the price") == 10
    log = await press_and_see(admin, log, encode(AuditView("all", 0, 2, True)), "Page 3 of 3")
    assert text_of(log).count("changed the price") == 5  # 25 = 10 + 10 + 5
    assert data_of(log) == [encode(AuditView("all", 0, 1, True))]  # no Older on the last page
    # A forged page number shows the last page; nothing breaks.
    plant_button(sandbox, admin.id, log["message_id"], encode(AuditView("all", 0, 10**9, True)))
    await admin.press(log, encode(AuditView("all", 0, 10**9, True)))
    assert "Page 3 of 3" in text_of(await changed(admin, log, "Page 3 of 3"))

    # A target card's Audit button opens that target's log only, as a new message.
    card = await admin.ask(f"/admin item {item_id}", has("Miracle cream"))
    audit = encode(AuditView("item", item_id, 0, False))
    assert audit in data_of(card)
    mine = await press_and_wait(admin, card, audit, "Audit log · item Miracle cream")
    assert "Page 1 of 3 · 23 in all" in text_of(mine)
    assert "pinned the item" not in text_of(mine) and "suspended the expert" not in text_of(mine)
    assert encode(AuditView("all", 0, 0, True)) in data_of(mine)
    assert (await admin.message(card["message_id"]))["reply_markup"]  # the card stays

    # /audit by handle or item id, and a friendly word for anything else.
    by_handle = await admin.ask("/audit @glow_guru", has("Audit log"))
    assert "1 in all" in text_of(by_handle) and "Reason: Spam in reviews." in text_of(by_handle)
    assert "23 in all" in text_of(await admin.ask(f"/audit {item_id}", has("Audit log")))
    assert "Usage: /audit" in text_of(await admin.ask("/audit @nobody_here"))
    assert "Usage: /audit" in text_of(await admin.ask("/audit merchant 999"))
    nothing = await admin.ask(f"/audit expert {expert_id}", has("Audit"))
    assert "0 in all" in text_of(nothing) and "Nothing is recorded here yet." in text_of(nothing)

    # Only admins read the log, by command or by a (forged) button.
    stranger = await sim.user(7603, "Sam", "en")
    assert "for platform admins" in text_of(await stranger.ask("/audit"))
    note = await stranger.ask("/help")
    plant_button(sandbox, stranger.id, note["message_id"], encode(AuditView("all", 0, 0, False)))
    await stranger.press(note, encode(AuditView("all", 0, 0, False)))
    await stranger.wait_for(has("for platform admins"), after=note["message_id"])
    assert not any("Audit log" in text_of(m) for m in await stranger.bot_messages())


async def test_the_audit_log_reads_in_chinese(vitrine: Runtime, sim: Sim) -> None:
    _expert, item_id = await verified_expert_with_item(vitrine, 7701, "mei_glow", "zh-hans")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "阿达", "zh-hans")
    await admin.ask("/help")
    card = await admin.ask(f"/admin item {item_id}", has("Miracle cream"))
    await press_and_wait(admin, card, encode(AdminSuspend("item", item_id)), "原因")
    await admin.ask("图片与实物不符。", has("已暂停"))
    log = await admin.ask(f"/audit {item_id}", has("审计日志"))
    assert "第 1/1 页 · 共 1 条" in text_of(log)
    assert "🛡 阿达 暂停了商品" in text_of(log) and "原因：图片与实物不符。" in text_of(log)
