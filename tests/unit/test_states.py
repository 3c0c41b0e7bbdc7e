"""The StrEnums hold exactly what the database allows (the schema's CHECK constraints)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import CheckConstraint, Table

from bot.domain.states import (
    AgreementStatus,
    CommissionStatus,
    ItemStatus,
    OutboxStatus,
    ProfileStatus,
    PushMode,
)
from storage import schema


def _allowed(table: Table, column: str) -> set[str]:
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            text = str(constraint.sqltext)
            if text.startswith(f"{column} IN"):
                return set(re.findall(r"'([a-z_]+)'", text))
    raise AssertionError(f"no CHECK on {table.name}.{column}")


@pytest.mark.parametrize(
    ("table", "column", "enum"),
    [
        (schema.experts, "status", ProfileStatus),
        (schema.merchants, "status", ProfileStatus),
        (schema.items, "status", ItemStatus),
        (schema.outbox, "status", OutboxStatus),
        (schema.commissions, "status", CommissionStatus),
        (schema.agreements, "status", AgreementStatus),
        (schema.fan_settings, "push_mode", PushMode),
    ],
)
def test_each_enum_is_exactly_what_its_column_allows(table: Table, column: str, enum: type) -> None:
    assert {member.value for member in enum} == _allowed(table, column)


def test_members_compare_equal_to_the_stored_strings() -> None:
    assert ItemStatus.LISTED == "listed" and f"{ProfileStatus.VERIFIED}" == "verified"
