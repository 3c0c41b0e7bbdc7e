"""One click-id rule (bot.domain.tokens) for the ids /go issues, every route that reads one, and
docs/partner-api.md, which partners build their integration from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError
from bot.domain.partner_links import with_attribution
from bot.domain.partners import DEFAULT_PARTNERS
from bot.domain.tokens import CLICK_ID_ALPHABET, CLICK_ID_CHARS, is_click_id
from storage.schema import clicks, orders
from tests.web.conftest import MoneyPath, order

DOC = Path(__file__).resolve().parents[2] / "docs" / "partner-api.md"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_doc_states_the_rule_the_code_enforces() -> None:
    text = doc_text()
    rule = re.search(r"a click id is (\d+) to (\d+) characters of `([^`]+)`", text)
    assert rule is not None, "the click id rule is not stated in the doc"
    assert (int(rule.group(1)), int(rule.group(2))) == (1, CLICK_ID_CHARS)
    assert rule.group(3) == CLICK_ID_ALPHABET
    issued = re.search(r"The ids Vitrine issues\s+are always (\d+) characters long", text)
    assert issued is not None and int(issued.group(1)) == CLICK_ID_CHARS
    row = re.search(r"\| `click_id` \| string, (\d+)–(\d+) of", text)
    assert row is not None and (int(row.group(1)), int(row.group(2))) == (1, CLICK_ID_CHARS)
    # The database keeps whole ids.
    assert clicks.c.id.type.length == CLICK_ID_CHARS  # type: ignore[attr-defined]
    # The worked examples send ids of the length partners will really receive.
    examples = re.findall(r'"click_id":\s*"([^"]+)"', text)
    assert len(examples) == 2
    assert all(is_click_id(e) and len(e) == CLICK_ID_CHARS for e in examples)
    assert "16 characters of" not in text


@pytest.mark.parametrize(
    "value", ["", "a" * (CLICK_ID_CHARS + 1), "a b", "点击", "a\n", None, 7, "x/y"]
)
def test_the_rule_refuses_what_is_not_a_click_id(value: object) -> None:
    assert not is_click_id(value)


async def test_an_issued_click_id_is_accepted_by_every_route(money: MoneyPath) -> None:
    fan = await money.fan_id()
    click = await money.click(1, fan)
    assert len(click) == CLICK_ID_CHARS and is_click_id(click)

    hop = await money.client.get(f"{money.buy_path(1, fan)}/continue", params={"c": click})
    assert hop.status_code == 302 and f"vitrine_click={click}" in hop.headers["location"]

    item = await money.item(1)
    answer = await money.post_order(
        await money.merchant(), order("RULE-1", "paid", item=item.partner_item_id, click=click)
    )
    assert answer.status_code == 200 and answer.json()["status"] == "applied"
    async with money.services.repos.engine.connect() as conn:
        stored = (
            await conn.execute(
                select(orders.c.click_id).where(orders.c.partner_order_id == "RULE-1")
            )
        ).scalar_one()
    assert stored == click  # attributed to the click, so the expert earns


async def test_an_id_longer_than_the_rule_is_refused_by_every_route(money: MoneyPath) -> None:
    fan = await money.fan_id()
    too_long = (await money.click(1, fan)) + "x"

    hop = await money.client.get(f"{money.buy_path(1, fan)}/continue", params={"c": too_long})
    assert hop.status_code == 404 and "location" not in hop.headers

    item = await money.item(1)
    answer = await money.post_order(
        await money.merchant(), order("RULE-2", "paid", item=item.partner_item_id, click=too_long)
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_payload", "field": "click_id", "reason": "format"}

    with pytest.raises(DomainError):
        with_attribution(item.canonical_url, DEFAULT_PARTNERS[0], too_long)
