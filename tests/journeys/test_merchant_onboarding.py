"""A shop owner's story: register, get approved, receive credentials, sign a callback, rotate the
secret, agree a rate with an expert, and read notices folded together when orders pour in."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx

from bot.app import Runtime
from bot.demo.seed import seed_into
from bot.domain.callbacks import decode, encode
from bot.domain.webhooks import decode_secret, sign_webhook
from bot.orders.callbacks import AgreementAnswer, MerchantReview
from tests.auxil.sim import Sim, SimUser, buttons_of, text_of
from tests.conftest import ADMIN_TELEGRAM_ID

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")
CALLBACK_URL = re.compile(r"https?://\S+/hooks/orders/[A-Za-z0-9_-]+")


def callbacks_on(message: dict, kind: type) -> list:
    return [
        v
        for b in buttons_of(message)
        if "callback_data" in b
        for v in [decode(b["callback_data"])]
        if isinstance(v, kind)
    ]


async def signed_post(url: str, secret: str, payload: dict) -> httpx.Response:
    body = json.dumps(payload).encode()
    msg_id, ts = f"msg_{time.monotonic_ns()}", int(time.time())
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_webhook(decode_secret(secret), msg_id, ts, body),
    }
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)


def paid(order_id: str, item: str = "700000000099") -> dict:
    return {
        "order_id": order_id,
        "status": "paid",
        "partner_item_id": item,
        "click_id": None,
        "quantity": 1,
        "amount_fen": 5000,
        "currency": "CNY",
        "occurred_at": int(time.time()),
    }


async def register_and_approve(owner: SimUser, admin: SimUser) -> tuple[str, str]:
    """Register through the guided conversation; the admin approves; return (url, secret)."""
    await owner.ask("/become_merchant", lambda m: "Which platform" in text_of(m))
    await owner.ask("taobao", lambda m: "shop id" in text_of(m))
    await owner.ask("bad id!", lambda m: "letters, digits" in text_of(m))
    await owner.ask("9990001", lambda m: "shop's name" in text_of(m))
    await owner.ask("Bo's Gadgets", lambda m: "order notices" in text_of(m))
    await owner.ask("here", lambda m: "waiting for an admin" in text_of(m))

    request = await admin.wait_for(
        lambda m: "Bo's Gadgets" in text_of(m) and callbacks_on(m, MerchantReview)
    )
    [approve] = [v for v in callbacks_on(request, MerchantReview) if v.approve]
    await admin.press(request, encode(approve))
    await admin.wait_for(lambda m: "approved" in text_of(m), timeout=10)
    credentials = await owner.wait_for(
        lambda m: "verified" in text_of(m) and SECRET.search(text_of(m))
    )
    url = CALLBACK_URL.search(text_of(credentials)).group(0)  # type: ignore[union-attr]
    return url, SECRET.search(text_of(credentials)).group(0)  # type: ignore[union-attr]


async def test_a_shop_from_registration_to_signed_callbacks(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Admin", "en")
    await admin.ask("/help")
    owner = await sim.user(6001, "Bo", "en")
    url, secret = await register_and_approve(owner, admin)

    # The credentials work: a signed callback is accepted; the same order twice counts once.
    assert (await signed_post(url, secret, paid("B-1"))).status_code == 200
    again = await signed_post(url, secret, paid("B-1"))
    assert again.json()["status"] == "duplicate"
    await owner.wait_for(lambda m: "New order B-1" in text_of(m))

    # Rotating: a new secret is shown once; the old one still works during the grace period.
    sent = await owner.send("/rotate_secret")
    rotated = await owner.wait_for(
        lambda m: "New signing secret" in text_of(m), after=sent["message_id"]
    )
    new_secret = SECRET.search(text_of(rotated)).group(0)  # type: ignore[union-attr]
    assert new_secret != secret and "24 hours" in text_of(rotated)
    assert (await signed_post(url, new_secret, paid("B-2"))).status_code == 200
    assert (await signed_post(url, secret, paid("B-3"))).status_code == 200

    orders = await owner.ask("/orders", lambda m: "Recent orders" in text_of(m))
    assert all(code in text_of(orders) for code in ("B-1", "B-2", "B-3"))


async def test_rates_are_proposed_accepted_and_shown_to_both(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Admin", "en")
    await admin.ask("/help")
    owner = await sim.user(6002, "Cy", "en")
    await register_and_approve(owner, admin)
    wang = await sim.user(3001, "Wang", "en")
    await wang.ask("/help")

    await owner.ask("/agreements default 6.5%", lambda m: "default rate is now 6.5%" in text_of(m))
    await owner.ask("/agreements @nobody_here 5%", lambda m: "no verified expert" in text_of(m))
    await owner.ask(
        "/agreements @techwang 12",
        lambda m: "Write the rate" in text_of(m) or "Proposed" in text_of(m),
    )
    await owner.ask(
        "/agreements @techwang 12%", lambda m: "Proposed 12% to @techwang" in text_of(m)
    )

    offer = await wang.wait_for(lambda m: "proposes a commission of 12%" in text_of(m))
    [accept] = [v for v in callbacks_on(offer, AgreementAnswer) if v.accept]
    await wang.press(offer, encode(accept))
    await owner.wait_for(lambda m: "@techwang accepted 12%" in text_of(m))
    # The offer is closed now: a late "decline" (say, from another device) changes nothing.
    expert = await vitrine.services.repos.experts.by_handle("techwang")
    assert expert is not None
    assert (
        await vitrine.services.repos.agreements.decide(
            accept.agreement_id, expert_id=expert.id, accept=False
        )
        is None
    )

    terms = await owner.ask("/agreements", lambda m: "Commission terms of" in text_of(m))
    assert "@techwang: 12% — in force" in text_of(terms) and "6.5% — in force" in text_of(terms)
    mine = await wang.ask("/agreements", lambda m: "Your commission terms" in text_of(m))
    assert "your rate: 12% (in force)" in text_of(mine)


async def test_a_burst_of_orders_is_folded_and_nothing_is_lost(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    await seed_into(vitrine.services.repos, tmp_path / "photos")
    admin = await sim.user(ADMIN_TELEGRAM_ID, "Admin", "en")
    await admin.ask("/help")
    owner = await sim.user(6003, "Di", "en")
    url, secret = await register_and_approve(owner, admin)
    start = (await owner.bot_messages())[-1]["message_id"]

    codes = [f"F-{n:02d}" for n in range(12)]
    for code in codes:
        assert (await signed_post(url, secret, paid(code))).status_code == 200

    async def all_mentioned() -> list[dict]:
        notices = [m for m in await owner.bot_messages() if m["message_id"] > start]
        return notices if all(any(c in text_of(m) for m in notices) for c in codes) else []

    deadline = time.monotonic() + 20
    notices: list[dict] = []
    while time.monotonic() < deadline and not (notices := await all_mentioned()):
        await __import__("asyncio").sleep(0.1)
    assert notices, "not every order reached the merchant's chat"
    assert len(notices) < len(codes)  # folded into summaries
    assert any("updates" in text_of(m) for m in notices)
