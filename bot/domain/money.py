"""Money in integer fen (1 yuan = 100 fen): showing it; reading prices and stock people type."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from bot.domain.errors import DomainError

FEN_PER_YUAN = 100
DEFAULT_MAX_PRICE_FEN = 100_000_000  # ¥1,000,000.00: beyond that it is a typo, not a product
MAX_STOCK = 1_000_000
# Longer than any honest price or stock; keeps Decimal and the regexes away from pasted essays.
MAX_INPUT_CHARS = 40

# Currency marks people write around a number; matched after NFKC, so "￥" is already "¥".
_CURRENCY_PREFIX = re.compile(r"^(?:¥|rmb|cny)\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:元|块|rmb|cny)\Z", re.IGNORECASE)
_MINUS_SIGNS = ("-", "\u2212", "\u2012", "\u2013", "\u2014", "\ufe63")
_NOT_FINITE = re.compile(r"^[+-]?(?:s?nan|inf|infinity|\u221e)\Z", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"^[0-9.,]*[0-9][eE][+-]?[0-9]+\Z")
# Commas as thousands separators: 1,234 or 12,345,678 (groups of exactly three digits).
_THOUSANDS = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+\Z")
_PLAIN_NUMBER = re.compile(r"^(?:[0-9]+\.?[0-9]*|\.[0-9]+)\Z")
_WHOLE_NUMBER = re.compile(r"^[0-9]+\Z")
_STOCK_SUFFIX = re.compile(r"\s*(?:件|个|份|pcs|pieces|items?)\Z", re.IGNORECASE)


def format_fen(fen: int) -> str:
    """Show fen as yuan with two decimals and thousands commas: 123450 -> "¥1,234.50"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def _normalise_number_text(text: str) -> str:
    """Fold full-width digits, currency signs and Chinese punctuation to ASCII; trim spaces."""
    # NFKC maps "１２．３０" -> "12.30", "￥" -> "¥", "，" -> ",", and U+3000 to a space.
    folded = unicodedata.normalize("NFKC", text)
    # The ideographic full stop is what a Chinese keyboard types for a decimal point.
    folded = folded.replace("\u3002", ".").replace("\uff61", ".")
    return folded.strip()


def _split_decimal_comma_or_thousands(body: str) -> str:
    """Turn a body containing commas into a plain dot-decimal number text, or raise."""
    if "." in body:
        integer_part, _, fraction = body.partition(".")
        # With a dot present, commas can only be thousands separators before it.
        if "," in fraction or not _THOUSANDS.match(integer_part):
            raise DomainError("price.bad_grouping", text=body)
        return integer_part.replace(",", "") + "." + fraction
    if _THOUSANDS.match(body):
        return body.replace(",", "")
    integer_part, _, fraction = body.partition(",")
    # One comma followed by one or two digits is a decimal comma: "12,30", "12,3".
    if "," not in fraction and _WHOLE_NUMBER.match(integer_part) and 1 <= len(fraction) <= 2:
        return integer_part + "." + fraction
    raise DomainError("price.bad_grouping", text=body)


def parse_price_to_fen(text: str, *, max_fen: int = DEFAULT_MAX_PRICE_FEN) -> int:
    """Read a price a person typed ("12.3", "¥12.30", "12,30", "１２。３０", "RMB 12") as fen.

    Raises DomainError with codes price.empty, price.too_long, price.negative, price.not_finite,
    price.scientific, price.multiple_points, price.bad_grouping, price.too_many_decimals,
    price.not_a_number, price.zero, price.too_large.
    """
    if not isinstance(text, str):
        raise DomainError("price.not_a_number", text=repr(text))
    if len(text) > MAX_INPUT_CHARS:
        raise DomainError("price.too_long", max_chars=MAX_INPUT_CHARS)
    body = _normalise_number_text(text)
    if not body:
        raise DomainError("price.empty")
    if body.startswith(_MINUS_SIGNS):
        raise DomainError("price.negative", text=text.strip())
    body = _CURRENCY_PREFIX.sub("", body, count=1)
    body = _CURRENCY_SUFFIX.sub("", body, count=1).strip()
    if not body:
        raise DomainError("price.empty")
    if body.startswith(_MINUS_SIGNS):  # "¥-12", "RMB -3"
        raise DomainError("price.negative", text=text.strip())
    if _NOT_FINITE.match(body):
        raise DomainError("price.not_finite", text=text.strip())
    if _SCIENTIFIC.match(body):
        raise DomainError("price.scientific", text=text.strip())
    if not re.fullmatch(r"[0-9.,]+", body) or not re.search(r"[0-9]", body):
        raise DomainError("price.not_a_number", text=text.strip())
    if body.count(".") > 1:
        raise DomainError("price.multiple_points", text=text.strip())
    if "," in body:
        body = _split_decimal_comma_or_thousands(body)
    if not _PLAIN_NUMBER.match(body):
        raise DomainError("price.not_a_number", text=text.strip())
    fraction = body.partition(".")[2]
    if len(fraction) > 2:
        raise DomainError("price.too_many_decimals", text=text.strip())
    try:
        amount = Decimal(body)
    except InvalidOperation:  # pragma: no cover - the regexes above admit only valid numbers
        raise DomainError("price.not_a_number", text=text.strip()) from None
    return validate_price_fen(int(amount * FEN_PER_YUAN), max_fen=max_fen)


def validate_price_fen(fen: int, *, max_fen: int = DEFAULT_MAX_PRICE_FEN) -> int:
    """Return `fen` when it is a sellable price (1 fen up to `max_fen`), else raise price.*."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise DomainError("price.not_a_number", text=repr(fen))
    if fen < 0:
        raise DomainError("price.negative", text=format_fen(fen))
    if fen == 0:
        raise DomainError("price.zero")
    if fen > max_fen:
        raise DomainError("price.too_large", max=format_fen(max_fen), text=format_fen(fen))
    return fen


def parse_stock(text: str, *, max_stock: int = MAX_STOCK) -> int:
    """Read a stock count a person typed ("12", "１２", "1,000", "12件") as a whole number 0..max.

    Raises DomainError with codes stock.empty, stock.too_long, stock.negative,
    stock.not_whole, stock.not_a_number, stock.too_large.
    """
    if not isinstance(text, str):
        raise DomainError("stock.not_a_number", text=repr(text))
    if len(text) > MAX_INPUT_CHARS:
        raise DomainError("stock.too_long", max_chars=MAX_INPUT_CHARS)
    body = _normalise_number_text(text)
    body = _STOCK_SUFFIX.sub("", body, count=1).strip()
    if not body:
        raise DomainError("stock.empty")
    if body.startswith(_MINUS_SIGNS):
        raise DomainError("stock.negative", text=text.strip())
    if _THOUSANDS.match(body):
        body = body.replace(",", "")
    if re.fullmatch(r"[0-9]*[.,][0-9]+|[0-9]+[.,]", body):
        # "12.5" or "12,5": a fraction of an item; "12.0" is also refused to keep the rule simple.
        raise DomainError("stock.not_whole", text=text.strip())
    if not _WHOLE_NUMBER.match(body):
        raise DomainError("stock.not_a_number", text=text.strip())
    return validate_stock(int(body), max_stock=max_stock)


def validate_stock(stock: int, *, max_stock: int = MAX_STOCK) -> int:
    """Return `stock` when it is a whole number 0..`max_stock`, else raise a stock.* error."""
    if isinstance(stock, bool) or not isinstance(stock, int):
        raise DomainError("stock.not_a_number", text=repr(stock))
    if stock < 0:
        raise DomainError("stock.negative", text=str(stock))
    if stock > max_stock:
        raise DomainError("stock.too_large", max=max_stock, text=str(stock))
    return stock
