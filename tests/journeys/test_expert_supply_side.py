"""An expert's whole supply-side story: apply, get verified, publish, manage the window, moderation."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.app import Runtime
from bot.domain.callbacks import AdminApprove, AdminSuspend, encode
from bot.experts.callbacks import (
    ApplyTag,
    ApplyTagsDone,
    ApplyVertical,
    EditItemField,
    PinItem,
    PublishDecision,
    PublishShop,
    WindowAction,
)
from tests.auxil.sim import Message, Sim, SimUser, buttons_of, plant_button, text_of

ADMIN_ID = 1004


def png() -> bytes:
    """A small real image, as a phone camera would send."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def has(text: str):  # type: ignore[no-untyped-def]
    return lambda message: text in text_of(message)


async def press_and_wait(user: SimUser, message: Message, data: str, expected: str) -> Message:
    """Press a button and wait for a new bot message containing `expected`."""
    after = await user.last_message_id()
    await user.press(message, data)
    return await user.wait_for(has(expected), after=after)


async def press_and_see(user: SimUser, message: Message, data: str, expected: str) -> Message:
    """Press a button and wait until that same message (edited) contains `expected`."""
    await user.press(message, data)
    for _ in range(200):
        current = await user.message(message["message_id"])
        if expected in text_of(current) or expected in str(buttons_of(current)):
            return current
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message['message_id']} never showed {expected!r}: {current!r}")


async def test_apply_approve_publish_edit_pin_delist_suspend(
    vitrine: Runtime, sim: Sim, sandbox: object
) -> None:
    repos = vitrine.services.repos
    admin = await sim.user(ADMIN_ID, "Ada", "en")
    await admin.ask("/start")
    lina = await sim.user(3001, "Lina", "en")

    # Before applying, the expert commands explain how to get the role.
    assert "/become_expert" in text_of(await lina.ask("/publish"))

    # Apply: every answer is checked, and a wrong one is simply typed again.
    assert "choose your handle" in text_of(await lina.ask("/become_expert"))
    assert "letters, digits or underscores" in text_of(await lina.ask("li na!"))
    name_prompt = await lina.ask("Lina_Glow")
    assert "display name" in text_of(name_prompt)
    assert "at least 2 characters" in text_of(await lina.ask("L"))
    vertical_prompt = await lina.ask("Lina Chen")
    assert encode(ApplyVertical("beauty")) in [
        b["callback_data"] for b in buttons_of(vertical_prompt)
    ]
    tags_screen = await press_and_see(
        lina, vertical_prompt, encode(ApplyVertical("beauty")), "ability tags"
    )
    tags_screen = await press_and_see(
        lina, tags_screen, encode(ApplyTag("skincare")), "Chosen: Skincare"
    )
    tags_screen = await press_and_see(
        lina, tags_screen, encode(ApplyTag("makeup")), "Skincare, Makeup"
    )
    bio_prompt = await press_and_wait(lina, tags_screen, encode(ApplyTagsDone()), "short bio")
    assert "at least 10 characters" in text_of(await lina.ask("Hi!"))
    sent = await lina.ask("Ten years of testing serums on sensitive skin.")
    assert "@Lina_Glow is with the admins" in text_of(sent)
    assert bio_prompt["message_id"] < sent["message_id"]

    expert = await repos.experts.by_handle("lina_glow")
    assert expert is not None and expert.status == "pending"

    # The admin is told, with Approve / Reject buttons, and approves.
    application = await admin.wait_for(has("Expert application"))
    assert "Lina Chen" in text_of(application) and "Skincare" in text_of(application)
    approve = encode(AdminApprove("expert", expert.id))
    assert approve in [b["callback_data"] for b in buttons_of(application)]
    assert "Approved: @Lina_Glow" in text_of(
        await press_and_wait(admin, application, approve, "Approved")
    )
    assert "verified expert" in text_of(await lina.wait_for(has("You are a verified expert")))

    # Publish step by step, with one refused answer at every step.
    assert "Send a photo" in text_of(await lina.ask("/publish"))
    assert "needs a photo" in text_of(await lina.ask("here is my item"))
    assert "title" in text_of(await lina.ask_photo(png()))
    assert "Keyword stuffing" in text_of(await lina.ask("serum serum serum best serum"))
    assert "Why do you recommend it" in text_of(await lina.ask("Hydrating serum 50 ml"))
    assert "too short" in text_of(await lina.ask("nice"))
    assert "price" in text_of(
        await lina.ask("Light texture, absorbs fast; my skin stays calm all day.")
    )
    assert "more than zero" in text_of(await lina.ask("0"))
    assert "in stock" in text_of(await lina.ask("¥129.90"))
    assert "whole items" in text_of(await lina.ask("12.5"))
    assert "Accepted partners: Tmall, Taobao, Weimai" in text_of(await lina.ask("20"))
    refused = await lina.ask("https://tmall.com.evil.cn/item.htm?id=123456")
    assert "not accepted" in text_of(refused) and "Tmall, Taobao, Weimai" in text_of(refused)
    shops = await lina.ask("https://detail.tmall.com/item.htm?id=123456&spm=a1z10")
    assert "Which shop sells it?" in text_of(shops)
    preview = await press_and_wait(lina, shops, encode(PublishShop(None)), "Preview")
    assert preview.get("photo") and "Preview" in text_of(preview) and "¥129.90" in text_of(preview)
    # A forged Publish button (a bool field of "2") gets a short answer and loses nothing.
    plant_button(sandbox, lina.id, preview["message_id"], "1:xpub:2")
    await lina.press(preview, "1:xpub:2")
    for _ in range(100):
        toasts = (await lina.message(preview["message_id"])).get("toasts") or []
        if toasts:
            break
        await asyncio.sleep(0.05)
    assert toasts, "the forged press was not answered"
    done = await press_and_wait(lina, preview, encode(PublishDecision(True)), "Published")
    assert not any("went wrong" in text_of(m) for m in await lina.bot_messages())  # no apology
    assert "Hydrating serum 50 ml" in text_of(done)

    # It is in the window fans see, canonical link and all.
    items, total = await repos.items.window(expert.id, offset=0, limit=10)
    assert total == 1
    item = items[0]
    assert (item.price_fen, item.stock) == (12990, 20)
    assert item.canonical_url == "https://detail.tmall.com/item.htm?id=123456"

    # /mywindow → the item card → edit the price (a wrong price first).
    window = await lina.ask("/mywindow", has("Your window"))
    card = await press_and_wait(
        lina, window, encode(WindowAction(item.id, "menu")), "Hydrating serum"
    )
    await press_and_wait(lina, card, encode(EditItemField(item.id, "price")), "new price")
    assert "not a price" in text_of(await lina.ask("cheap"))
    assert "Saved" in text_of(await lina.ask("139"))
    assert (await repos.items.get(item.id)).price_fen == 13900  # type: ignore[union-attr]

    # Pin it for three days.
    choose = await press_and_wait(lina, card, encode(WindowAction(item.id, "pin")), "for how long")
    await press_and_see(lina, choose, encode(PinItem(item.id, 3)), "Pinned until")
    pinned_until = (await repos.items.get(item.id)).pinned_until  # type: ignore[union-attr]
    assert pinned_until is not None
    assert abs(pinned_until - (datetime.now(UTC) + timedelta(days=3))) < timedelta(minutes=5)

    # Delist: the card says so and fans no longer see it.
    await press_and_see(lina, card, encode(WindowAction(item.id, "delist")), "Delisted")
    assert (await repos.items.window(expert.id, offset=0, limit=10))[1] == 0

    # An admin suspends the item.
    target = await admin.ask(f"/admin item {item.id}", has("Hydrating serum"))
    suspend = encode(AdminSuspend("item", item.id))
    await press_and_wait(admin, target, suspend, "Type the reason")
    assert "Suspended: Hydrating serum" in text_of(
        await admin.ask("Misleading claims.", has("Suspended:"))
    )
    assert (await repos.items.get(item.id)).status == "suspended"  # type: ignore[union-attr]

    # Every step left a trace in the audit log.
    actions = [entry.action for entry in await repos.audit.for_target("item", item.id)]
    assert actions[:1] == ["item.publish"]
    assert {"item.edit.price", "item.pin", "item.delist", "item.suspend"} <= set(actions)
    assert [e.action for e in await repos.audit.for_target("expert", expert.id)] == [
        "expert.apply",
        "expert.approve",
    ]
