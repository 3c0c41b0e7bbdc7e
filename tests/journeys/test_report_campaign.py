"""Lina reads her campaign's report: numbers in the caption, charts as photos, CSV that adds up.

The campaign's outbox rows, clicks, events and orders are written straight into the database
(as the delivery engine, /go and the order callbacks would have), then everyone uses the bot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.analytics.export import parse_csv
from bot.app import Runtime
from bot.demo.catalogue import DEMO_EXPERT_ID, DEMO_MERCHANT_ID
from bot.demo.seed import seed_into
from storage.repositories.campaign_counters import count_new_outbox_rows
from storage.schema import campaigns, clicks, commissions, events, items, orders, outbox, users
from tests.auxil.sim import Sim, SimUser, buttons_of, text_of
from tests.conftest import ADMIN_TELEGRAM_ID

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "charts"
OUTBOX_PLAN = {"sent": 30, "failed": 3, "blocked": 4, "dropped": 1}  # 38 fans addressed
PAID = (16900, 12800, 5900)
REFUNDED = 8900
RATE_BP = 800


async def seed_campaign(runtime: Runtime, tmp_path: Path) -> dict[str, int]:
    """A finished push of Lina's with deliveries, clicks, favourites, follows and orders."""
    repos = runtime.services.repos
    await seed_into(repos, tmp_path / "photos")
    lina = await repos.experts.by_handle("lina_beauty")
    assert lina is not None
    now = datetime.now(UTC)
    started = now - timedelta(minutes=20)
    async with repos.engine.begin() as conn:
        item_rows = (
            await conn.execute(
                select(items.c.id, items.c.merchant_id).where(items.c.expert_id == lina.id)
            )
        ).all()
        item_id, merchant_id = item_rows[0]
        campaign_id = (
            await conn.execute(
                insert(campaigns).values(
                    expert_id=lina.id,
                    kind="push",
                    status="done",
                    item_ids=[item_id],
                    audience={},
                    starts_at=started,
                    started_at=started,
                    finished_at=now - timedelta(minutes=15),
                    created_at=started,
                )
            )
        ).inserted_primary_key[0]
        fan_ids = []
        for number in range(sum(OUTBOX_PLAN.values())):
            result = await conn.execute(
                insert(users).values(
                    telegram_id=70_000 + number,
                    first_name=f"Fan{number}",
                    language="zh_Hans",
                    language_chosen=False,
                    timezone="Asia/Shanghai",
                    created_at=started,
                )
            )
            fan_ids.append(result.inserted_primary_key[0])
        statuses = [status for status, n in OUTBOX_PLAN.items() for _ in range(n)]
        await conn.execute(
            insert(outbox),
            [
                {
                    "kind": "campaign",
                    "chat_id": 70_000 + i,
                    "user_id": fan,
                    "campaign_id": campaign_id,
                    "dedup_key": f"report-test:{campaign_id}:{fan}",
                    "payload": {},
                    "status": status,
                    "attempts": 1,
                    "next_attempt_at": started,
                    "created_at": started,
                    "sent_at": started + timedelta(seconds=i) if status == "sent" else None,
                    "error": "Forbidden: bot was blocked by the user"
                    if status == "blocked"
                    else None,
                }
                for i, (fan, status) in enumerate(zip(fan_ids, statuses, strict=False))
            ],
        )
        # Written behind OutboxRepository's back: count the new rows as its inserts do.
        await count_new_outbox_rows(conn, len(statuses))
        # 15 clicks by 12 fans (three came back twice).
        clickers = fan_ids[:12] + fan_ids[:3]
        await conn.execute(
            insert(clicks),
            [
                {
                    "id": f"rc{n:04d}",
                    "item_id": item_id,
                    "fan_id": fan,
                    "expert_id": lina.id,
                    "source": "push",
                    "campaign_id": campaign_id,
                    "created_at": started + timedelta(minutes=1, seconds=n),
                }
                for n, fan in enumerate(clickers)
            ],
        )
        await conn.execute(
            insert(events),
            [
                {
                    "kind": kind,
                    "at": started + timedelta(minutes=2),
                    "user_id": fan,
                    "expert_id": lina.id,
                    "item_id": item_id,
                    "campaign_id": campaign_id,
                    "source": "push",
                }
                for kind, fans in (
                    ("favourite", fan_ids[:5]),
                    ("cart_add", fan_ids[:3]),
                    ("follow", fan_ids[5:7]),
                )
                for fan in fans
            ],
        )
        amounts = [(a, "paid") for a in PAID] + [(REFUNDED, "refunded")]
        for n, (amount, status) in enumerate(amounts):
            at = started + timedelta(minutes=3, seconds=n)
            order_id = (
                await conn.execute(
                    insert(orders).values(
                        partner_key="tmall",
                        partner_order_id=f"RPT-{n}",
                        merchant_id=merchant_id,
                        item_id=item_id,
                        click_id=f"rc{n:04d}",
                        expert_id=lina.id,
                        campaign_id=campaign_id,
                        quantity=1,
                        amount_fen=amount,
                        status=status,
                        occurred_at=at,
                        created_at=at,
                        updated_at=at,
                    )
                )
            ).inserted_primary_key[0]
            commission = amount * RATE_BP // 10_000
            rows: list[dict[str, Any]] = [
                {"kind": "commission", "amount_fen": commission, "status": "pending"}
            ]
            if status == "refunded":  # confirmed before the refund, then booked back
                rows = [
                    {"kind": "commission", "amount_fen": commission, "status": "confirmed"},
                    {"kind": "adjustment", "amount_fen": -commission, "status": "confirmed"},
                ]
            await conn.execute(
                insert(commissions),
                [
                    {
                        "order_id": order_id,
                        "expert_id": lina.id,
                        "merchant_id": merchant_id,
                        "rate_bp": RATE_BP,
                        "created_at": at,
                        **row,
                    }
                    for row in rows
                ],
            )
    return {"campaign_id": int(campaign_id), "expert_id": lina.id}


async def download(sim: Sim, message: dict[str, Any], key: str) -> bytes:
    """Fetch a photo or document of a transcript message from the sandbox."""
    url = message[key]["url"] if key == "document" else message[key]
    response = await sim.http.get(url)
    response.raise_for_status()
    return response.content


async def documents_after(person: SimUser, after: int, count: int) -> list[dict[str, Any]]:
    """Wait until `count` documents arrived after message `after`; return them oldest first."""
    for _ in range(count):
        last = await person.wait_for(lambda m: m.get("document") is not None, after=after)
        after = last["message_id"]
    return [m for m in await person.bot_messages() if m.get("document")][-count:]


async def test_expert_reads_report_charts_and_csv_that_add_up(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    seeded = await seed_campaign(vitrine, tmp_path)
    campaign_id = seeded["campaign_id"]
    lina = await sim.user(DEMO_EXPERT_ID, "Lina", "en")

    overview = await lina.ask("/stats")
    assert "Followers now" in text_of(overview)
    assert f"#{campaign_id}" in text_of(overview)
    assert any(f"#{campaign_id}" in b["text"] for b in buttons_of(overview))

    asked = await lina.send(f"/stats {campaign_id}")
    funnel = await lina.wait_for(lambda m: m.get("photo") is not None, after=asked["message_id"])
    timeline = await lina.wait_for(lambda m: m.get("photo") is not None, after=funnel["message_id"])
    summary = text_of(funnel)
    assert f"Campaign #{campaign_id}" in summary
    assert "Audience: 38" in summary
    assert "Delivered: 30 (79%)" in summary
    assert "Failed: 3 · Blocked: 4 · Cancelled: 1" in summary
    assert "Unique clicks: 12 (CTR 40%)" in summary
    assert "Favourites: 5 · Cart adds: 3" in summary
    assert "New followers: 2" in summary
    assert "Orders: 4 (conversion 33%)" in summary
    assert "refunded: 1" in summary
    assert "GMV: ¥356.00" in summary  # 169 + 128 + 59; the refunded order counts nothing
    assert (
        "Commission: ¥28.48" in summary
    )  # 8% of the paid orders; the refund's adjustment nets out
    assert len(summary) <= 1024
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, message in (("funnel", funnel), ("timeline", timeline)):
        png = await download(sim, message, "photo")
        assert png.startswith(b"\x89PNG")
        (ARTIFACTS / f"journey-{name}-en.png").write_bytes(png)

    # Export from the button under the report; the three CSV files parse back to the same totals.
    export_button = next(b for b in buttons_of(timeline) if "Export" in b["text"])
    await lina.press(timeline, export_button["callback_data"])
    files = await documents_after(lina, timeline["message_id"], 3)
    by_name = {
        m["document"]["file_name"]: parse_csv(await download(sim, m, "document")) for m in files
    }
    deliveries = by_name[f"vitrine-campaign-{campaign_id}-deliveries.csv"]
    assert len(deliveries) == 38
    assert {s: sum(1 for r in deliveries if r["status"] == s) for s in OUTBOX_PLAN} == OUTBOX_PLAN
    clicks_rows = by_name[f"vitrine-campaign-{campaign_id}-clicks.csv"]
    assert len(clicks_rows) == 15 and {r["source"] for r in clicks_rows} == {"push"}
    order_rows = by_name[f"vitrine-campaign-{campaign_id}-orders.csv"]
    assert len(order_rows) == 4
    assert sum(
        float(r["amount_yuan"]) for r in order_rows if r["status"] == "paid"
    ) == pytest.approx(356.00)
    assert sum(float(r["commission_yuan"]) for r in order_rows) == pytest.approx(28.48)
    for rows in by_name.values():
        assert not any(
            column in rows[0] for column in ("fan_id", "user_id", "chat_id", "telegram_id")
        )

    # The same through the command, for every campaign at once.
    sent = await lina.send("/export all")
    everything = await documents_after(lina, sent["message_id"], 3)
    assert {m["document"]["file_name"] for m in everything} == {
        "vitrine-all-campaigns-deliveries.csv",
        "vitrine-all-campaigns-clicks.csv",
        "vitrine-all-campaigns-orders.csv",
    }


async def test_reports_are_only_for_their_owner_and_the_right_role(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    seeded = await seed_campaign(vitrine, tmp_path)
    campaign_id = seeded["campaign_id"]

    wang = await sim.user(3001, "Wang", "en")  # another verified expert
    refusal = text_of(await wang.ask(f"/stats {campaign_id}"))
    assert "is not yours" in refusal and "Audience" not in refusal
    assert "is not yours" in text_of(await wang.ask(f"/export {campaign_id}"))
    assert "no campaign #999999" in text_of(await wang.ask("/stats 999999"))
    assert "/stats 12" in text_of(await wang.ask("/stats twelve"))

    fan = await sim.user(4242, "Fay", "zh-hans")
    assert "/become_expert" in text_of(await fan.ask("/stats"))
    assert "/become_merchant" in text_of(await fan.ask("/export orders"))
    assert "管理员" in text_of(await fan.ask("/platform"))

    merchant = await sim.user(DEMO_MERCHANT_ID, "Shop", "en")
    sent = await merchant.send("/export orders")
    document = await merchant.wait_for(
        lambda m: m.get("document") is not None, after=sent["message_id"]
    )
    rows = parse_csv(await download(sim, document, "document"))
    assert len(rows) == 4 and {r["expert"] for r in rows} == {"lina_beauty"}
    assert sum(float(r["commission_yuan"]) for r in rows) == pytest.approx(28.48)

    admin = await sim.user(ADMIN_TELEGRAM_ID, "Ada", "en")
    totals = text_of(await admin.ask("/platform"))
    assert "Platform totals" in totals and "Verified experts: 3" in totals
    assert "Clicks: 15 · Orders: 4 · GMV: ¥356.00" in totals
    assert "Lina" in totals


async def test_the_report_speaks_chinese_with_chinese_charts(
    vitrine: Runtime, sim: Sim, tmp_path: Path
) -> None:
    seeded = await seed_campaign(vitrine, tmp_path)
    lina = await sim.user(DEMO_EXPERT_ID, "丽娜", "zh-hans")
    asked = await lina.send(f"/stats {seeded['campaign_id']}")
    funnel = await lina.wait_for(lambda m: m.get("photo") is not None, after=asked["message_id"])
    timeline = await lina.wait_for(lambda m: m.get("photo") is not None, after=funnel["message_id"])
    assert "受众：38" in text_of(funnel) and "成交额：¥356.00" in text_of(funnel)
    assert {b["text"] for b in buttons_of(timeline)} == {"🔄 刷新", "⬇ 导出 CSV"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, message in (("funnel", funnel), ("timeline", timeline)):
        (ARTIFACTS / f"journey-{name}-zh_Hans.png").write_bytes(
            await download(sim, message, "photo")
        )

    # Refresh redraws the report from the button, and the press is answered.
    await lina.press(
        timeline, next(b["callback_data"] for b in buttons_of(timeline) if "刷新" in b["text"])
    )
    again = await lina.wait_for(lambda m: m.get("photo") is not None, after=timeline["message_id"])
    assert "受众：38" in text_of(again)
