"""Forged admin button data is refused with a clear word, and the typed reason is a flow that
/cancel ends and that times out (the admins' buttons through the real bot and the sandbox)."""

from __future__ import annotations

from bot import conversations
from bot.app import Runtime
from bot.domain.callbacks import AdminApprove, AdminReject, AdminSuspend, encode
from handlers.admin.reasons import REASON_TIMEOUT
from tests.auxil.sim import Sim, text_of
from tests.journeys.test_admin_moderation import ADMIN_ID, _verified_expert_with_item
from tests.journeys.test_expert_supply_side import has, press_and_wait
from tests.journeys.test_flows import _age_flow


async def test_a_forged_suspend_or_reject_kind_is_refused_and_the_item_stays_listed(
    vitrine: Runtime, sim: Sim
) -> None:
    admin = await sim.user(ADMIN_ID, "Ada", "en")
    await admin.ask("/start")
    _expert_id, item_id = await _verified_expert_with_item(vitrine, 3601, "glow_queen")
    forged_kinds = (
        AdminSuspend("fan", item_id),
        AdminSuspend("report", item_id),
        AdminReject("item", item_id),
        AdminApprove("fan", item_id),
    )
    # A crafted client can send any callback data; here the card carries the forged buttons.
    rows = [[{"text": "x", "callback_data": encode(forged)}] for forged in forged_kinds]
    sent = await vitrine.application.bot.send_message(
        ADMIN_ID, "Miracle cream", reply_markup={"inline_keyboard": rows}
    )
    card = await admin.message(sent.message_id)
    for forged in forged_kinds:
        refused = await press_and_wait(admin, card, encode(forged), "does not fit")
        assert "nothing was changed" in text_of(refused)
    # No reason is awaited: the next text is not taken as one.
    assert "Suspended" not in text_of(await admin.ask("Counterfeit."))
    assert (await vitrine.services.repos.items.get(item_id)).status == "listed"  # type: ignore[union-attr]
    assert await vitrine.services.repos.audit.for_target("item", item_id) == []


async def test_a_reason_typed_after_the_timeout_decides_nothing(vitrine: Runtime, sim: Sim) -> None:
    admin = await sim.user(ADMIN_ID, "Ada", "en")
    await admin.ask("/start")
    expert_id, _item = await _verified_expert_with_item(vitrine, 3602, "late_guru")
    card = await admin.ask("/admin expert @late_guru", has("late_guru"))
    await press_and_wait(admin, card, encode(AdminSuspend("expert", expert_id)), "Type the reason")
    ada = await vitrine.services.repos.users.by_telegram_id(ADMIN_ID)
    assert ada is not None
    position = await conversations.position(vitrine.services, ada.id)
    assert position is not None and position.flow == "admin_reason"
    # The admin walked away: the position grows older than the flow's timeout.
    await _age_flow(vitrine, ADMIN_ID, REASON_TIMEOUT.total_seconds() / 60 + 1)
    assert "too late" in text_of(await admin.ask("Fake reviews."))
    assert (await vitrine.services.repos.experts.get(expert_id)).status == "verified"  # type: ignore[union-attr]
    # And /cancel, once asked again, leaves it as it was.
    await press_and_wait(admin, card, encode(AdminSuspend("expert", expert_id)), "Type the reason")
    await admin.ask("/cancel", has("stays as it was"))
    assert (await vitrine.services.repos.experts.get(expert_id)).status == "verified"  # type: ignore[union-attr]
