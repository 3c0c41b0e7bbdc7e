"""POST /hooks/orders/<key>: signatures, schema errors, idempotency, attribution and commissions."""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.domain.webhooks import new_webhook_secret
from bot.orders.settlement import confirm_commissions
from storage.schema import (
    agreements,
    clicks,
    commissions,
    items,
    merchant_secrets,
    orders,
    webhook_receipts,
)
from tests.web.conftest import MoneyPath, order

ITEM = "600000000001"  # demo item 1 of lina_beauty at Lumière, ¥169.00, stock 42


async def snapshot(money: MoneyPath) -> dict[str, list[tuple[object, ...]]]:
    """Every row the money path may write, to prove hostile input changed nothing."""
    async with money.services.repos.engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in (await conn.execute(select(table))).all()]
            for table in (
                orders,
                commissions,
                webhook_receipts,
                clicks,
                items,
                agreements,
                merchant_secrets,
            )
        }


async def stock_of(money: MoneyPath, item_id: int = 1) -> int:
    return (await money.item(item_id)).stock


async def commission_rows(money: MoneyPath) -> list[tuple[str, str, int]]:
    async with money.services.repos.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(commissions.c.kind, commissions.c.status, commissions.c.amount_fen)
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_paid_then_refunded_books_and_cancels_the_commission(money: MoneyPath) -> None:
    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    paid = await money.post_order(
        merchant, order("T-1", "paid", item=ITEM, click=click, quantity=2, amount=33800)
    )
    assert paid.status_code == 200 and paid.json() == {"status": "applied", "order_status": "paid"}
    assert await stock_of(money) == 40
    assert await commission_rows(money) == [("commission", "pending", 2704)]  # 8 % of ¥338.00
    [outcome] = money.announced
    assert (outcome.expert_id, outcome.commission_fen, outcome.rate_bp) == (
        (await money.item(1)).expert_id,
        2704,
        800,
    )

    refunded = await money.post_order(
        merchant, order("T-1", "refunded", item=ITEM, click=click, quantity=2, amount=33800)
    )
    assert refunded.json()["order_status"] == "refunded"
    assert await stock_of(money) == 42
    assert await commission_rows(money) == [("commission", "cancelled", 2704)]
    earnings = await money.services.repos.commissions.earnings(
        (await money.item(1)).expert_id, since=None
    )
    assert [(e.pending_fen, e.confirmed_fen, e.adjustments_fen) for e in earnings] == [(0, 0, 0)]


async def test_refund_after_the_window_books_a_negative_adjustment(money: MoneyPath) -> None:
    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    await money.post_order(merchant, order("T-2", "paid", item=ITEM, click=click))
    assert (
        await confirm_commissions(money.services, now=datetime.now(UTC) + timedelta(days=16)) == 1
    )
    assert await commission_rows(money) == [("commission", "confirmed", 1352)]
    async with money.services.repos.engine.begin() as conn:  # the order is 16 days old now
        await conn.execute(update(commissions).values(created_at=int(time.time()) - 16 * 86400))
    await money.post_order(merchant, order("T-2", "refunded", item=ITEM, click=click))
    assert await commission_rows(money) == [
        ("commission", "confirmed", 1352),
        ("adjustment", "confirmed", -1352),
    ]
    [line] = await money.services.repos.commissions.earnings(
        (await money.item(1)).expert_id, since=None
    )
    assert (line.confirmed_fen, line.adjustments_fen, line.net_fen) == (1352, -1352, 0)


async def test_refund_arriving_before_paid_changes_nothing_twice(money: MoneyPath) -> None:
    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    await money.post_order(merchant, order("T-3", "refunded", item=ITEM, click=click))
    late_paid = await money.post_order(merchant, order("T-3", "paid", item=ITEM, click=click))
    assert late_paid.status_code == 200 and late_paid.json()["status"] == "duplicate"
    assert await stock_of(money) == 42 and await commission_rows(money) == []


async def test_orders_outside_the_window_or_without_a_click_are_kept_unattributed(
    money: MoneyPath,
) -> None:
    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(update(clicks).values(created_at=int(time.time()) - 8 * 86400))
    await money.post_order(merchant, order("T-4", "paid", item=ITEM, click=click))
    await money.post_order(merchant, order("T-5", "paid", item=ITEM, click=None))
    await money.post_order(merchant, order("T-6", "paid", item=ITEM, click="never-issued-click"))
    assert await commission_rows(money) == []
    rows = await money.services.repos.orders.recent(merchant.id)
    assert sorted(r.partner_order_id for r in rows) == ["T-4", "T-5", "T-6"]
    assert all(r.expert_id is None for r in rows)
    assert await stock_of(money) == 39  # stock still follows real sales
    totals = await money.services.repos.orders.summary(
        merchant.id,
        since=datetime.now(UTC) - timedelta(days=1),
        until=datetime.now(UTC) + timedelta(minutes=1),
    )
    assert (totals["orders"], totals["attributed"], totals["gmv_fen"]) == (3, 0, 3 * 16900)


async def test_a_click_on_another_merchants_item_earns_nothing_here(money: MoneyPath) -> None:
    wang = await money.merchant("wangtech")
    click_at_lumiere = await money.click(1, await money.fan_id())
    await money.post_order(
        wang,
        order("W-1", "paid", item="700000000001", click=click_at_lumiere, amount=59900),
        shop_key="wangtech",
    )
    assert await commission_rows(money) == []


async def test_the_rate_in_force_at_click_time_applies(money: MoneyPath) -> None:
    merchant = await money.merchant()
    expert_id = (await money.item(1)).expert_id
    click = await money.click(1, await money.fan_id())
    async with money.services.repos.engine.begin() as conn:  # the click happened a minute ago
        await conn.execute(update(clicks).values(created_at=int(time.time()) - 60))
        await conn.execute(update(agreements).values(decided_at=int(time.time()) - 3600))
    proposal = await money.services.repos.agreements.propose(merchant.id, 1500, expert_id=expert_id)
    await money.services.repos.agreements.decide(proposal.id, expert_id=expert_id, accept=True)
    await money.post_order(merchant, order("R-1", "paid", item=ITEM, click=click, amount=10000))
    # Another fan's link: re-opening the very same link within minutes reuses its click.
    later_click = await money.click(1, await money.fan_id(1002))
    await money.post_order(
        merchant, order("R-2", "paid", item=ITEM, click=later_click, amount=10000)
    )
    assert await commission_rows(money) == [
        ("commission", "pending", 800),
        ("commission", "pending", 1500),
    ]


async def test_low_stock_warns_once_and_sold_out_is_flagged(money: MoneyPath) -> None:
    merchant = await money.merchant()
    fan = await money.fan_id()
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(update(items).where(items.c.id == 1).values(stock=5))
    for number in range(5):
        click = await money.click(1, fan)
        await money.post_order(merchant, order(f"S-{number}", "paid", item=ITEM, click=click))
    flags = [(o.stock_after, o.low_stock, o.sold_out) for o in money.announced]
    assert flags == [
        (4, False, False),
        (3, True, False),
        (2, False, False),
        (1, False, False),
        (0, False, True),
    ]


async def test_errors_name_the_field(money: MoneyPath) -> None:
    merchant = await money.merchant()
    payload = order("E-1", "paid", item=ITEM, click=None)
    del payload["amount_fen"]
    response = await money.post_order(merchant, payload)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_payload",
        "field": "amount_fen",
        "reason": "missing",
    }
    bad_status = await money.post_order(
        merchant, {**order("E-2", "paid", item=ITEM, click=None), "status": "shipped"}
    )
    assert bad_status.json()["field"] == "status"


async def test_unknown_and_unverified_merchants_are_refused(money: MoneyPath) -> None:
    merchant = await money.merchant()
    body = json.dumps(order("U-1", "paid", item=ITEM, click=None)).encode()
    assert (await money.client.post("/hooks/orders/not-a-key", content=body)).status_code == 404
    assert (await money.client.post("/hooks/orders/bad key!", content=body)).status_code == 404
    await money.services.repos.merchants.decide(merchant.id, "suspended", only_from=("verified",))
    assert (
        await money.post_order(merchant, order("U-1", "paid", item=ITEM, click=None))
    ).status_code == 403


async def test_a_rotated_secret_works_for_its_grace_period_only(money: MoneyPath) -> None:
    merchant = await money.merchant()
    new_secret = new_webhook_secret()
    await money.services.repos.merchants.rotate_secret(
        merchant.id, new_secret, grace=timedelta(hours=24)
    )
    assert (
        await money.post_order(merchant, order("K-1", "paid", item=ITEM, click=None))
    ).status_code == 200
    assert (
        await money.post_order(
            merchant, order("K-2", "paid", item=ITEM, click=None), secret=new_secret
        )
    ).status_code == 200
    async with money.services.repos.engine.begin() as conn:
        await conn.execute(
            update(merchant_secrets)
            .where(merchant_secrets.c.expires_at.is_not(None))
            .values(expires_at=int(time.time()) - 1)
        )
    assert (
        await money.post_order(merchant, order("K-3", "paid", item=ITEM, click=None))
    ).status_code == 401
    assert (
        await money.post_order(
            merchant, order("K-4", "paid", item=ITEM, click=None), secret=new_secret
        )
    ).status_code == 200


async def test_a_thousand_hostile_callbacks_change_nothing(money: MoneyPath) -> None:
    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    accepted = await money.post_order(
        merchant, order("H-0", "paid", item=ITEM, click=click), message_id="msg_replay"
    )
    assert accepted.status_code == 200
    before = await snapshot(money)
    announced_before = len(money.announced)
    rng = random.Random(6)
    url = f"/hooks/orders/{merchant.callback_key}"
    valid = json.dumps(order("H-1", "paid", item=ITEM, click=click)).encode()
    statuses: dict[int, int] = {}
    for number in range(1000):
        kind = number % 8
        if kind == 0:  # forged signature
            headers = {
                "webhook-id": f"f{number}",
                "webhook-timestamp": str(int(time.time())),
                "webhook-signature": "v1," + "".join(rng.choice("ABCDEFGH+/") for _ in range(44)),
            }
            response = await money.client.post(url, content=valid, headers=headers)
        elif kind == 1:  # signed with somebody else's secret
            response = await money.post_order(merchant, valid, secret=new_webhook_secret())
        elif kind == 2:  # stale or future timestamps
            skew = rng.choice([-1, 1]) * rng.randint(301, 10**6)
            response = await money.post_order(merchant, valid, timestamp=int(time.time()) + skew)
        elif kind == 3:  # the accepted message, replayed
            response = await money.post_order(
                merchant, order("H-0", "paid", item=ITEM, click=click), message_id="msg_replay"
            )
        elif kind == 4:  # oversized
            response = await money.post_order(
                merchant, b'{"pad":"' + b"x" * rng.randint(16400, 40000) + b'"}'
            )
        elif kind == 5:  # correctly signed, malformed bodies
            body = rng.choice(
                [
                    b"",
                    b"{",
                    b"[]",
                    b"null",
                    b'{"order_id": 1}',
                    b"\xff\xfe",
                    b'{"order_id":"a","order_id":"b"}',
                    json.dumps(
                        {**order("H-2", "paid", item=ITEM, click=click), "amount_fen": 1.5}
                    ).encode(),
                    json.dumps(
                        {**order("H-3", "paid", item=ITEM, click=click), "quantity": -1}
                    ).encode(),
                    b'{"a":' * 5000,
                ]
            )
            response = await money.post_order(merchant, body)
        elif kind == 6:  # missing or garbled headers
            headers = rng.choice(
                [
                    {},
                    {"webhook-id": "x"},
                    {"webhook-id": "a.b", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
                    {
                        "webhook-id": "x",
                        "webhook-timestamp": "soon",
                        "webhook-signature": "v1,AAAA",
                    },
                    {
                        "webhook-id": "x",
                        "webhook-timestamp": str(int(time.time())),
                        "webhook-signature": "v1," + "A" * 3000,
                    },
                ]
            )
            response = await money.client.post(url, content=valid, headers=headers)
        else:  # a valid signature over one body, sent with another
            msg_id, ts = f"s{number}", int(time.time())
            from bot.demo.seed import demo_secret
            from bot.domain.webhooks import decode_secret, sign_webhook

            signature = sign_webhook(decode_secret(demo_secret("lumiere")), msg_id, ts, valid)
            tampered = valid.replace(b'"quantity": 1', b'"quantity": 9')
            response = await money.client.post(
                url,
                content=tampered,
                headers={
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(ts),
                    "webhook-signature": signature,
                },
            )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500
        if kind != 3:
            assert response.status_code in (400, 401, 413), (
                kind,
                response.status_code,
                response.text[:200],
            )
        else:
            assert response.json()["status"] == "replayed"
    assert await snapshot(money) == before
    assert len(money.announced) == announced_before
    assert set(statuses) == {200, 400, 401, 413}


async def test_the_same_callback_delivered_ten_times_and_concurrently_counts_once(
    money: MoneyPath,
) -> None:
    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    payload = order("D-1", "paid", item=ITEM, click=click)
    for _ in range(10):
        assert (await money.post_order(merchant, payload, message_id="msg_same")).status_code == 200
    # A partner that retries with fresh message ids, all at once, for another order.
    other = order("D-2", "paid", item=ITEM, click=click)
    responses = await asyncio.gather(
        *[money.post_order(merchant, other, message_id=f"msg_retry_{n}") for n in range(10)],
        *[money.post_order(merchant, payload, message_id="msg_same") for _ in range(10)],
    )
    assert all(r.status_code == 200 for r in responses)
    assert sorted(r.json()["status"] for r in responses[:10]) == ["applied"] + ["duplicate"] * 9
    assert await money.services.repos.orders.count() == 2
    assert await commission_rows(money) == [("commission", "pending", 1352)] * 2
    assert await stock_of(money) == 40
    assert len(money.announced) == 2


async def test_the_daily_summary_counts_the_day_for_each_merchant(money: MoneyPath) -> None:
    from bot.demo.catalogue import DEMO_SHOPS
    from bot.orders.settlement import send_daily_summaries
    from storage.schema import outbox

    merchant = await money.merchant()
    click = await money.click(1, await money.fan_id())
    await money.post_order(merchant, order("Y-1", "paid", item=ITEM, click=click))
    await money.post_order(merchant, order("Y-2", "paid", item=ITEM, click=None))
    await money.post_order(merchant, order("Y-2", "refunded", item=ITEM, click=None))
    # With the outbox in place, notices are written there: no bot needed to queue them.
    assert await send_daily_summaries(money.services) == 3
    async with money.services.repos.engine.connect() as conn:
        rows = (await conn.execute(select(outbox).where(outbox.c.kind == "merchant_summary"))).all()
    texts = {row.chat_id: row.payload["params"]["text"] for row in rows}
    lumiere = texts[merchant.notice_chat_id]
    # The demo merchant's client is English (issue 12: no longer Chinese by a stored default).
    assert "Orders: 2 (1 paid, 1 refunded or cancelled)" in lumiere
    assert "Sales: ¥169.00" in lumiere and "Commission booked: ¥13.52" in lumiere
    wangtech = texts[DEMO_SHOPS["wangtech"][3]]  # a shop owner whose client is Chinese
    assert "订单：0 笔（已支付 0，退款或取消 0）" in wangtech and "销售额：¥0.00" in wangtech
