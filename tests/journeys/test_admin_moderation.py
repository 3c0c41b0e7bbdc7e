"""Admins reject with a reason, handle fans' reports, suspend experts; others are turned away."""

from __future__ import annotations

from bot.app import Runtime
from bot.domain.callbacks import AdminApprove, AdminReject, AdminSuspend, encode
from bot.domain.partner_links import parse_partner_link
from bot.domain.partners import DEFAULT_PARTNERS
from bot.experts.callbacks import AdminUnsuspend
from handlers.admin import report_button
from tests.auxil.sim import Sim, buttons_of, text_of
from tests.journeys.test_expert_supply_side import has, press_and_see, press_and_wait

ADMIN_ID = 1004


async def _verified_expert_with_item(
    vitrine: Runtime, telegram_id: int, handle: str
) -> tuple[int, int]:
    repos = vitrine.services.repos
    await repos.partners.sync((p.key, p.name, {}) for p in DEFAULT_PARTNERS)
    user = await repos.users.upsert_from_telegram(telegram_id, handle, None, "en")
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


async def test_rejection_needs_a_typed_reason_that_the_applicant_reads(
    vitrine: Runtime, sim: Sim
) -> None:
    admin = await sim.user(ADMIN_ID, "Ada", "en")
    await admin.ask("/start")
    applicant = await sim.user(3201, "Kai", "en")
    await applicant.ask("/become_expert")
    await applicant.ask("kai_cars")
    prompt = await applicant.ask("Kai")
    await press_and_see(applicant, prompt, "1:xvert:cars", "ability tags")
    tags = await applicant.message(prompt["message_id"])
    first_tag = buttons_of(tags)[0]["callback_data"]
    tags = await press_and_see(applicant, tags, first_tag, "Chosen:")
    await press_and_wait(applicant, tags, "1:xtagok:", "short bio")
    await applicant.ask("I have driven and reviewed cars for years.")
    expert = await vitrine.services.repos.experts.by_handle("KAI_CARS")
    assert expert is not None

    # The handle is taken now, whatever the case.
    other = await sim.user(3202, "Kay", "en")
    await other.ask("/become_expert")
    assert "already taken" in text_of(await other.ask("Kai_Cars"))

    application = await admin.wait_for(has("Expert application"))
    await press_and_wait(
        admin, application, encode(AdminReject("expert", expert.id)), "Type the reason"
    )
    assert "Rejected: @kai_cars" in text_of(
        await admin.ask("Please add a profile photo and more detail.")
    )
    verdict = await applicant.wait_for(has("was not approved"))
    assert "Please add a profile photo and more detail." in text_of(verdict)
    assert (await vitrine.services.repos.experts.get(expert.id)).status == "rejected"  # type: ignore[union-attr]
    # A second admin press on the old card is refused politely.
    assert "already decided" in text_of(
        await press_and_wait(
            admin, application, encode(AdminApprove("expert", expert.id)), "already decided"
        )
    )
    # The rejected applicant is told how to try again when using expert commands.
    assert "apply again" in text_of(await applicant.ask("/mywindow"))


async def test_a_fan_reports_an_item_and_the_admin_suspends_it(vitrine: Runtime, sim: Sim) -> None:
    admin = await sim.user(ADMIN_ID, "Ada", "en")
    await admin.ask("/start")
    _expert_id, item_id = await _verified_expert_with_item(vitrine, 3301, "cream_queen")
    fan = await sim.user(3302, "Fay", "en")
    await fan.ask("/start")

    # The fan helper puts this button on item cards; here we send a card carrying it ourselves.
    button = report_button("en", item_id)
    assert button.text == "⚠ Report"
    card = await vitrine.application.bot.send_message(
        3302, "Miracle cream", reply_markup={"inline_keyboard": [[button.to_dict()]]}
    )
    card_msg = await fan.message(card.message_id)
    choose = await press_and_wait(fan, card_msg, button.callback_data, "Why are you reporting")  # type: ignore[arg-type]
    await press_and_see(fan, choose, f"1:rep:{item_id}:fake", "admins will look at")

    report = await admin.wait_for(has("Fake or counterfeit"))
    assert "Miracle cream" in text_of(report) and "@cream_queen" in text_of(report)
    reports = await vitrine.services.repos.item_reports.open_reports()
    assert [r.item_id for r in reports] == [item_id]
    await press_and_wait(
        admin, report, encode(AdminApprove("report", reports[0].id)), "Suspended: Miracle cream"
    )
    assert (await vitrine.services.repos.items.get(item_id)).status == "suspended"  # type: ignore[union-attr]
    assert await vitrine.services.repos.item_reports.open_reports() == []


async def test_admin_suspends_and_reinstates_an_expert(vitrine: Runtime, sim: Sim) -> None:
    admin = await sim.user(ADMIN_ID, "Ada", "en")
    await admin.ask("/start")
    expert_id, _item = await _verified_expert_with_item(vitrine, 3401, "glow_guru")
    target = await admin.ask("/admin expert @glow_guru", has("glow_guru"))
    await press_and_wait(
        admin, target, encode(AdminSuspend("expert", expert_id)), "Type the reason"
    )
    await admin.ask("Fake reviews.", has("Suspended: @glow_guru"))
    guru = await sim.user(3401, "Guru", "en")
    assert "suspended" in text_of(await guru.ask("/publish"))
    target = await admin.ask("/admin expert glow_guru", has("Suspended"))
    await press_and_wait(
        admin, target, encode(AdminUnsuspend("expert", expert_id)), "Type the reason"
    )
    await admin.ask("Appeal accepted.", has("Reinstated"))
    assert "Send a photo" in text_of(await guru.ask("/publish"))
    actions = [e.action for e in await vitrine.services.repos.audit.for_target("expert", expert_id)]
    assert actions == ["expert.suspend", "expert.unsuspend"]


async def test_admin_commands_are_for_admins_and_partners_lists_the_whitelist(
    vitrine: Runtime, sim: Sim
) -> None:
    stranger = await sim.user(3501, "Sam", "en")
    assert "for platform admins" in text_of(await stranger.ask("/admin"))
    assert "for platform admins" in text_of(await stranger.ask("/partners"))
    admin = await sim.user(ADMIN_ID, "Ada", "en")
    whitelist = text_of(await admin.ask("/partners"))
    assert "Tmall" in whitelist and "Taobao" in whitelist and "Weimai" in whitelist
    queue = text_of(await admin.ask("/admin"))
    assert "Pending expert applications: 0" in queue
