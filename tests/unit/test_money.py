"""Money in fen: showing amounts, reading prices and stock the way people type them."""

from __future__ import annotations

import pytest

from bot.domain.errors import DomainError
from bot.domain.money import (
    MAX_STOCK,
    format_fen,
    parse_price_to_fen,
    parse_stock,
    validate_price_fen,
    validate_stock,
)


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (5, "¥0.05"),
        (1230, "¥12.30"),
        (1200, "¥12.00"),
        (99_999, "¥999.99"),
        (123_450, "¥1,234.50"),
        (100_000_000, "¥1,000,000.00"),
        (-5, "-¥0.05"),
        (-123_450, "-¥1,234.50"),
    ],
)
def test_format_fen(fen: int, shown: str) -> None:
    """Amounts show as yuan with two decimals, thousands commas and a leading minus."""
    assert format_fen(fen) == shown


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12.3", 1230),
        ("12.30", 1230),
        ("12", 1200),
        ("12.", 1200),
        (".5", 50),
        ("0.01", 1),
        ("007", 700),
        ("¥12.30", 1230),
        ("¥ 12.30", 1230),
        ("￥12.3", 1230),  # full-width yen sign
        ("12,30", 1230),  # decimal comma
        ("12,3", 1230),
        ("1,234.50", 123450),  # thousands comma
        ("1,234", 123400),
        ("123,456", 12_345_600),
        ("RMB 12", 1200),
        ("rmb12.5", 1250),
        ("CNY 99", 9900),
        ("12RMB", 1200),
        ("12元", 1200),
        ("12.5 元", 1250),
        ("12块", 1200),
        ("¥12元", 1200),
        ("１２．３０", 1230),  # full-width digits and point
        ("１２", 1200),
        ("￥１２３．４５", 12345),
        ("１，２３４．５０", 123450),  # full-width thousands comma
        ("１２，３", 1230),  # full-width decimal comma
        ("12。30", 1230),  # ideographic full stop as decimal point
        ("１２。５", 1250),
        ("  12.30  ", 1230),
        ("\u300012.30\u3000", 1230),  # ideographic spaces
        ("\t¥8.80\n", 880),
        ("999999.99", 99_999_999),
        ("1000000", 100_000_000),
    ],
)
def test_parse_price_accepts_how_people_write_prices(text: str, fen: int) -> None:
    """Prices typed with currency signs, either decimal mark, or full-width digits become fen."""
    assert parse_price_to_fen(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "price.empty"),
        ("   ", "price.empty"),
        ("¥", "price.empty"),
        ("元", "price.empty"),
        ("0", "price.zero"),
        ("0.00", "price.zero"),
        ("¥0", "price.zero"),
        ("０．００", "price.zero"),
        ("-1", "price.negative"),
        ("-¥12", "price.negative"),
        ("¥-12", "price.negative"),
        ("\u221212", "price.negative"),  # minus sign
        ("－１２", "price.negative"),  # full-width hyphen-minus
        ("12.345", "price.too_many_decimals"),
        ("12.300", "price.too_many_decimals"),
        ("０．００１", "price.too_many_decimals"),
        ("1000000.01", "price.too_large"),
        ("99999999999999999999", "price.too_large"),
        ("12.3.4", "price.multiple_points"),
        ("12。3。4", "price.multiple_points"),
        ("1..2", "price.multiple_points"),
        ("nan", "price.not_finite"),
        ("NaN", "price.not_finite"),
        ("inf", "price.not_finite"),
        ("+Infinity", "price.not_finite"),
        ("¥sNaN", "price.not_finite"),
        ("∞", "price.not_finite"),
        ("1e3", "price.scientific"),
        ("1E+3", "price.scientific"),
        ("1.5e-2", "price.scientific"),
        ("１ｅ３", "price.scientific"),
        ("abc", "price.not_a_number"),
        ("twelve", "price.not_a_number"),
        ("十二元", "price.not_a_number"),
        ("$12", "price.not_a_number"),
        ("12 34", "price.not_a_number"),
        ("+12", "price.not_a_number"),
        ("0x10", "price.not_a_number"),
        ("١٢", "price.not_a_number"),  # Arabic-Indic digits: Decimal would take them, we do not
        ("12_000", "price.not_a_number"),
        (".", "price.not_a_number"),
        ("1,2345", "price.bad_grouping"),
        ("12,30.5", "price.bad_grouping"),
        ("1.234,50", "price.bad_grouping"),
        ("1,2,3", "price.bad_grouping"),
        (",5", "price.bad_grouping"),
        ("1" * 41, "price.too_long"),
    ],
)
def test_parse_price_refuses_with_a_precise_code(text: str, code: str) -> None:
    """Each kind of wrong price gets its own code, so the message can say what to fix."""
    with pytest.raises(DomainError) as caught:
        parse_price_to_fen(text)

    assert caught.value.code == code


def test_too_large_price_names_the_limit() -> None:
    """The message template gets the limit already formatted as money."""
    with pytest.raises(DomainError) as caught:
        parse_price_to_fen("500", max_fen=10_000)

    assert caught.value.params["max"] == "¥100.00"


def test_max_price_is_inclusive() -> None:
    """A price exactly at the limit is accepted."""
    assert parse_price_to_fen("100", max_fen=10_000) == 10_000


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, "price.zero"),
        (-1, "price.negative"),
        (True, "price.not_a_number"),
        (1.5, "price.not_a_number"),
    ],
)
def test_validate_price_fen_refuses_non_prices(value: object, code: str) -> None:
    """Stored or edited prices in fen obey the same rules as typed ones."""
    with pytest.raises(DomainError) as caught:
        validate_price_fen(value)  # type: ignore[arg-type]

    assert caught.value.code == code


@pytest.mark.parametrize(
    ("text", "stock"),
    [
        ("0", 0),
        ("12", 12),
        ("１２", 12),
        (" 12 ", 12),
        ("\u3000５\u3000", 5),
        ("1,000", 1000),
        ("１，０００", 1000),
        ("12件", 12),
        ("３个", 3),
        ("20 pcs", 20),
        ("007", 7),
        ("1000000", MAX_STOCK),
    ],
)
def test_parse_stock_accepts_whole_numbers(text: str, stock: int) -> None:
    """Stock is a whole number, typed in any width, optionally with a unit."""
    assert parse_stock(text) == stock


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "stock.empty"),
        ("件", "stock.empty"),
        ("-1", "stock.negative"),
        ("－３", "stock.negative"),
        ("12.5", "stock.not_whole"),
        ("12。5", "stock.not_whole"),
        ("12,5", "stock.not_whole"),
        ("12.0", "stock.not_whole"),
        ("abc", "stock.not_a_number"),
        ("1e3", "stock.not_a_number"),
        ("十", "stock.not_a_number"),
        ("+5", "stock.not_a_number"),
        ("1000001", "stock.too_large"),
        ("9" * 41, "stock.too_long"),
    ],
)
def test_parse_stock_refuses_with_a_precise_code(text: str, code: str) -> None:
    """Each kind of wrong stock count gets its own code."""
    with pytest.raises(DomainError) as caught:
        parse_stock(text)

    assert caught.value.code == code


@pytest.mark.parametrize(("value", "code"), [(-1, "stock.negative"), (False, "stock.not_a_number")])
def test_validate_stock_refuses_non_counts(value: object, code: str) -> None:
    """Stored or edited stock obeys the same rules as typed stock."""
    with pytest.raises(DomainError) as caught:
        validate_stock(value)  # type: ignore[arg-type]

    assert caught.value.code == code


def test_domain_error_carries_code_and_params() -> None:
    """Handlers map the code to a template and fill it with the params."""
    error = DomainError("price.too_large", max="¥1.00")

    assert isinstance(error, ValueError)
    assert (error.code, error.params) == ("price.too_large", {"max": "¥1.00"})
    assert str(error) == "price.too_large (max='¥1.00')"
