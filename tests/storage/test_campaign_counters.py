"""The campaign counters stay exactly what the raw rows say, on a real SQLite file.

A seeded, mixed workload goes through the real repositories: fan-outs in chunks (queued and
digest rows), single enqueues, claims and send results, retries, blocked chats, a cancelled
campaign, digests folded, events of every kind (follows repeated), clicks with and without a fan,
orders attributed, misattributed to another expert's campaign, paid then refunded or cancelled,
commissions booked, cancelled and reversed, a fan forgotten and a user row deleted (its clicks and
events lose their person by ON DELETE SET NULL). Then every campaign's report read from the
counters equals the one counted from the rows, and the counters equal a rebuild from the rows.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select, text

from bot.analytics.model import TIMELINE_INTERVALS_SECONDS
from bot.domain.orders import OrderEvent
from bot.domain.states import OrderStatus, OutboxStatus
from storage.repositories import Repositories
from storage.repositories.campaign_counters import rebuild, table_snapshot
from storage.repositories.campaigns import Audience
from storage.repositories.outbox import SendResult
from storage.schema import campaign_counters, campaign_timeline, merchants, users
from tests.auxil.databases import sqlite_only
from tests.storage.test_fanout_chunks import open_repos, plan, seed_every_rule
from tests.storage.test_outbox_fanout import NOON, new_campaign

EVENT_KINDS = ("favourite", "cart_add", "card_open", "follow", "unfollow")


async def _snapshot(repos: Repositories) -> tuple[dict[tuple[object, ...], int], ...]:
    async with repos.engine.connect() as conn:
        kept = (await conn.execute(select(campaign_counters))).all()
        timeline = (await conn.execute(select(campaign_timeline))).all()
    return table_snapshot(kept), table_snapshot(timeline)


async def _merchant(repos: Repositories, owner_id: int) -> int:
    await repos.partners.sync([("tmall", "Tmall", {})])
    async with repos.engine.begin() as conn:
        result = await conn.execute(
            merchants.insert().values(
                user_id=owner_id,
                partner_key="tmall",
                shop_id="shop1",
                name="Shop",
                notice_chat_id=1,
                callback_key="key1",
                status="verified",
                created_at=NOON,
            )
        )
        return int(result.inserted_primary_key[0])


async def _workload(repos: Repositories, rng: random.Random) -> list[int]:
    expert_id, owner_id, other_id = await seed_every_rule(repos)
    merchant_id = await _merchant(repos, owner_id)
    item = await repos.items.create(
        expert_id=expert_id,
        partner_key="tmall",
        partner_item_id="1",
        canonical_url="https://detail.tmall.com/item.htm?id=1",
        title="Silk Matte",
        reason="Lasts all day",
        price_fen=16900,
        stock=500,
    )
    ours = [await new_campaign(repos, expert_id) for _ in range(2)]
    theirs = await new_campaign(repos, other_id)
    campaigns = [*ours, theirs]
    for campaign_id in ours:
        await plan(repos, campaign_id, Audience(expert_id, owner_id, False, ()), chunk=7, cap=9)
    async with repos.engine.connect() as conn:
        fans = list((await conn.execute(select(users.c.id).where(users.c.id > 2))).scalars())
    for n in range(40):
        fan = rng.choice(fans)
        await repos.outbox.enqueue(
            "campaign", 50_000 + fan, {}, f"single:{n}", user_id=fan, campaign_id=theirs
        )
    for campaign_id in [*campaigns, None]:
        for n in range(30):
            await repos.events.record(
                rng.choice(EVENT_KINDS),
                user_id=rng.choice([*fans[:8], None]),  # few people: follows repeat
                expert_id=expert_id,
                item_id=item.id,
                campaign_id=campaign_id,
            )
            await repos.clicks.record(
                click_id=f"k{campaign_id}-{n}",
                item_id=item.id,
                expert_id=expert_id,
                source="push",
                fan_id=rng.choice([*fans[:10], None]),
                campaign_id=campaign_id,
                sharer_id=None,
                user_agent=None,
                at=NOON + timedelta(seconds=rng.randrange(7200)),
            )
    for n in range(60):
        campaign_id = rng.choice([*campaigns, None])
        # Now and then an order names a campaign of another expert: it is not the campaign's.
        order_expert = expert_id if campaign_id != theirs or n % 4 else other_id
        amount = rng.randrange(100, 50_000)
        order_id = await repos.orders.insert(
            merchant_id=merchant_id,
            partner_key="tmall",
            event=OrderEvent(
                order_id=f"T{n}",
                status=OrderStatus.PAID,
                partner_item_id="1",
                click_id=None,
                quantity=1,
                amount_fen=amount,
                currency="CNY",
                occurred_at=NOON + timedelta(seconds=rng.randrange(86400)),
            ),
            item_id=item.id,
            click_id=None,
            expert_id=order_expert,
            campaign_id=campaign_id,
            now=NOON,
        )
        await repos.commissions.book(
            order_id=order_id,
            expert_id=order_expert,
            merchant_id=merchant_id,
            rate_bp=800,
            amount_fen=amount * 8 // 100,
            now=NOON,
        )
        fate = n % 5
        if fate in (1, 2):
            await repos.orders.set_status(order_id, "refunded", NOON)
            live = await repos.commissions.live_of_order(order_id)
            assert live is not None
            if fate == 1:
                await repos.commissions.cancel(live.id)
            else:
                await repos.commissions.reverse_confirmed(live, NOON)
        elif fate == 3:
            await repos.orders.set_status(order_id, "cancelled", NOON)
    # Delivery: claims, every kind of result, retries, a blocked chat, a cancelled campaign.
    due = await repos.outbox.due(NOON + timedelta(days=2), 500)
    claimed = sorted(
        await repos.outbox.claim(
            [row.id for row in due], worker="w", lease_until=NOON + timedelta(days=3)
        )
    )
    outcomes = [OutboxStatus.SENT] * 3 + [
        OutboxStatus.FAILED,
        OutboxStatus.BLOCKED,
        OutboxStatus.QUEUED,
    ]
    await repos.outbox.record(
        [
            SendResult(row_id, rng.choice(outcomes), NOON + timedelta(minutes=n % 300))
            for n, row_id in enumerate(claimed[: len(claimed) * 2 // 3])
        ],
        worker="w",
    )
    await repos.outbox.drop_pending_for_chat(due[0].chat_id)
    digests = await repos.outbox.due_digest_rows(NOON + timedelta(days=2))
    by_user: dict[int, list[int]] = {}
    for row_id, user_id, _campaign, _chat in digests:
        by_user.setdefault(user_id, []).append(row_id)
    for user_id, row_ids in list(by_user.items())[:3]:
        await repos.outbox.fold_into_digest(
            row_ids,
            {
                "kind": "digest",
                "chat_id": user_id,
                "user_id": user_id,
                "dedup_key": f"d{user_id}",
                "payload": {},
                "campaign_id": ours[0],
            },
            NOON,
        )
    await repos.outbox.drop_campaign(ours[1])
    await repos.outbox.requeue_in_flight()
    await repos.fan_privacy.forget(fans[1])
    async with repos.engine.begin() as conn:
        await conn.execute(delete(users).where(users.c.id == fans[2]))
    return campaigns


@sqlite_only("the counters are kept by SQLite triggers; on PostgreSQL reports count the rows")
async def test_counters_equal_a_recount_of_the_rows_after_a_mixed_workload(
    tmp_path: Path,
) -> None:
    repos = await open_repos(tmp_path / "counters.sqlite3")
    try:
        campaigns = await _workload(repos, random.Random(11))
        for campaign_id in campaigns:
            for interval in TIMELINE_INTERVALS_SECONDS:
                kept = await repos.analytics.campaign_report(campaign_id, interval_seconds=interval)
                counted = await repos.analytics.campaign_report(
                    campaign_id, interval_seconds=interval, from_rows=True
                )
                assert kept == counted, (campaign_id, interval)
            assert kept is not None and kept.check_consistency() == []
        first = await repos.analytics.campaign_report(campaigns[0])
        # The workload reached every counter the report has (a test of nothing proves nothing).
        assert (
            first is not None
            and min(
                first.sent,
                first.failed,
                first.blocked,
                first.digest,
                first.unique_clicks,
                first.new_followers,
                first.refunded_orders,
                first.cancelled_orders,
                first.paid_fen,
            )
            > 0
        )
        kept_tables = await _snapshot(repos)
        async with repos.engine.begin() as conn:
            await rebuild(conn)
        assert await _snapshot(repos) == kept_tables
        async with repos.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA integrity_check"))).scalar_one() == "ok"
    finally:
        await repos.engine.dispose()
