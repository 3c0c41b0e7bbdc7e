"""Every kind of button, its data naming other people's things, pressed by someone with every
role but admin: nothing that belongs to anyone else changes, checked row by row in the database.

The attacker is a fan, a verified expert and a verified shop's owner at once, so every role's
handler runs its own ownership check rather than stopping at "you are not an expert". Id 1 (CI; 1..8 in
`make soak`) names the demo catalogue's experts, items and shops, another fan's cart, favourites and follows,
another expert's campaign, another shop's order, a pending application and an item report; the
attacker's own things are created last, with higher ids.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.admin import item_reports
from bot.app import Runtime
from bot.demo.seed import create_demo_users, seed_into
from bot.fan import cart, favourites, follows
from bot.services import Services
from storage.schema import metadata, orders
from tests.auxil.callback_samples import forged_presses
from tests.auxil.sim import Sim, SimUser, plant_button

VICTIM_FAN = 3711
ATTACKER = 3712
APPLICANT = 3713
# CI: id 1, which in every table is someone else's (a pending application, shop and terms, an
# expert's item and campaign, a shop's order, a fan's report); soak: 1..8.
NUMBERS = range(1, 9) if os.environ.get("VITRINE_SOAK") == "1" else range(1, 2)
# Rows the dispatcher changes by itself (a send's outcome) whoever pressed what.
DISPATCHER_TABLES = {"outbox"}


async def build_world(services: Services, tmp_path: Path) -> dict[str, int]:
    """The demo catalogue plus other people's things, then the attacker's own; returns ids."""
    repos = services.repos
    # First, so that the pending application, shop and proposed terms are number 1.
    applicant = await repos.users.upsert_from_telegram(APPLICANT, "Pen", None, "en")
    await repos.experts.create(
        user_id=applicant.id,
        handle="pending_pen",
        display_name="Pen",
        vertical="beauty",
        tags=["glow"],
        bio="Applying.",
        status="pending",
    )
    pending_shop = await repos.merchants.create(
        user_id=applicant.id,
        partner_key="tmall",
        shop_id="pending-shop",
        name="Pending shop",
        notice_chat_id=APPLICANT,
    )
    await repos.merchants.add_agreement(pending_shop.id, 900, expert_id=1, accepted=False)
    await seed_into(repos, tmp_path / "photos")
    victim = await repos.users.upsert_from_telegram(VICTIM_FAN, "Bea", None, "en")
    await cart.add_to_cart(services, fan_id=victim.id, item_id=1)
    await cart.add_to_cart(services, fan_id=victim.id, item_id=2)
    await favourites.toggle_favourite(services, fan_id=victim.id, item_id=1)
    await follows.follow_expert(services, fan_id=victim.id, expert_id=2, source="link")
    await item_reports.report_item(services, user_id=victim.id, item_id=1, reason="fake")
    starts = datetime.now(UTC) + timedelta(days=2)
    await repos.campaigns.create(
        expert_id=2,
        kind="push",
        item_ids=[1],
        audience={"kind": "all"},
        starts_at=starts,
        recurrence=None,
        progress_chat_id=None,
    )
    now = datetime.now(UTC)
    async with repos.engine.begin() as conn:
        await conn.execute(
            insert(orders).values(
                partner_key="tmall",
                partner_order_id="victim-order-1",
                merchant_id=2,
                item_id=1,
                quantity=1,
                amount_fen=9900,
                status="paid",
                occurred_at=now,
                created_at=now,
                updated_at=now,
            )
        )

    attacker = await repos.users.upsert_from_telegram(ATTACKER, "Mal", None, "en")
    own_expert = await repos.experts.create(
        user_id=attacker.id,
        handle="mal_own",
        display_name="Mal",
        vertical="beauty",
        tags=["glow"],
        bio="Mine.",
        status="verified",
    )
    own_shop = await repos.merchants.create(
        user_id=attacker.id,
        partner_key="taobao",
        shop_id="mal-shop",
        name="Mal's shop",
        notice_chat_id=ATTACKER,
        status="verified",
    )
    return {"attacker": attacker.id, "expert": own_expert.id, "shop": own_shop.id}


async def snapshot(runtime: Runtime) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table, by primary key (on SQLite or PostgreSQL alike)."""
    tables: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    async with runtime.services.repos.engine.connect() as conn:
        for table in metadata.sorted_tables:
            keys = [column.name for column in table.primary_key.columns]
            rows = [dict(r._mapping) for r in await conn.execute(select(table))]
            tables[table.name] = {
                tuple(row[k] for k in keys) if keys else tuple(row.values()): row for row in rows
            }
    return tables


# Caches the bot fills whoever looks: Telegram's file id of an item's photo once it was sent.
CACHE_COLUMNS = {"items": ("photo_file_id",)}


def _without_caches(table: str, row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in CACHE_COLUMNS.get(table, ())}


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(table, added|changed|deleted, row) for every row that differs (caches aside)."""
    found = []
    for table in after:
        old, new = before.get(table, {}), after[table]
        found += [(table, "added", new[k]) for k in new.keys() - old.keys()]
        found += [(table, "deleted", old[k]) for k in old.keys() - new.keys()]
        found += [
            (table, "changed", new[k])
            for k in new.keys() & old.keys()
            if _without_caches(table, new[k]) != _without_caches(table, old[k])
        ]
    return found


def is_the_attackers(table: str, row: dict[str, Any], own: dict[str, int]) -> bool:
    """Whether a row belongs to the attacker (their own cart, follows, flows, notices...)."""
    me = own["attacker"]
    owner_columns = {
        "users": "id",
        "cart_items": "user_id",
        "favourites": "user_id",
        "interests": "user_id",
        "fan_settings": "user_id",
        "reservations": "user_id",
        "follows": "fan_id",
        "events": "user_id",
        "item_reports": "reporter_id",
        "experts": "user_id",
        "merchants": "user_id",
        "seen_updates": None,
    }
    if table in owner_columns:
        column = owner_columns[table]
        return column is None or row[column] == me
    if table == "bot_state":
        return str(row["key"]).rsplit(":", 1)[-1] == str(me)
    if table == "items":
        return row["expert_id"] == own["expert"]
    if table == "audit_log":
        return row["actor_id"] == me and row["action"] == "report.file"  # a fan may report
    if table == "merchant_secrets":
        return row["merchant_id"] == own["shop"]
    if table == "campaigns":
        return row["expert_id"] == own["expert"]
    if table == "outbox":
        return row["campaign_id"] is None  # a notice; a campaign's fan-out would name it
    return False


async def press_all(attacker: SimUser, sim: Sim, sandbox: Any, presses: list[str]) -> list[str]:
    """Press every button (planted again before each press: an edit drops the forged ones);
    return the presses never answered."""
    message = (await attacker.bot_messages())[-1]
    waiting: dict[str, str] = {}
    for data in presses:
        for _attempt in range(20):  # the bot may edit the message between the plant and the press
            plant_button(sandbox, ATTACKER, message["message_id"], data)
            response = await sim.http.post(
                f"/sim/users/{ATTACKER}/callbacks",
                json={"message_id": message["message_id"], "data": data},
            )
            if response.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert response.status_code == 200, (data, response.text)
        waiting[response.json()["callback_query_id"]] = data
    # A press that sends a card is answered after the send, and the send gate paces one chat at
    # about a message a second: hundreds of presses in one chat take that long to be answered.
    deadline = time.monotonic() + 60 + len(presses)
    while waiting and time.monotonic() < deadline:
        for query_id in list(waiting):
            record = (await sim.http.get(f"/sim/callbacks/{query_id}")).json()
            if record.get("answered"):
                del waiting[query_id]
        await asyncio.sleep(0.2)
    return sorted(waiting.values())


@pytest.mark.soak
async def test_forged_buttons_change_nothing_that_is_not_the_pressers(
    vitrine: Runtime, sim: Sim, sandbox: Any, tmp_path: Path
) -> None:
    own = await build_world(vitrine.services, tmp_path)
    # Everyone the bot may write to (shop owners get their credentials) is a Telegram user.
    await create_demo_users(sandbox.url, vitrine.services.settings)
    for telegram_id, name in ((VICTIM_FAN, "Bea"), (APPLICANT, "Pen")):
        await sim.user(telegram_id, name, "en")
    attacker = await sim.user(ATTACKER, "Mal", "en")
    await attacker.ask("/start")
    presses = forged_presses(NUMBERS)
    before = await snapshot(vitrine)

    started = time.monotonic()
    unanswered = await press_all(attacker, sim, sandbox, presses)
    took = time.monotonic() - started

    after = await snapshot(vitrine)
    diff = changes(before, after)
    theirs = [
        (table, how, row)
        for table, how, row in diff
        if not is_the_attackers(table, row, own)
        and not (table in DISPATCHER_TABLES and how == "changed")
    ]
    kinds = len({data.split(":")[1] for data in presses})
    print(
        f"\n{len(presses)} forged presses ({kinds} kinds x ids {NUMBERS.start}..{NUMBERS.stop - 1}):"
        f" {len(diff)} rows changed, {len(theirs)} of them someone else's; "
        f"{len(unanswered)} presses unanswered ({took:.1f} s)"
    )
    for table, how, row in theirs[:20]:
        print(f"  {how} {table}: {row}")
    assert theirs == []
    # The presses did work where they may: the attacker's own favourites took item 1.
    mine = own["attacker"]
    assert any(t == "favourites" and r["user_id"] == mine for t, _how, r in diff)
    assert unanswered == []
