"""Reading commission rates people type: "8%", "8.5 %", "850bp", "850 bp" (basis points)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from bot.domain.commissions import BASIS_POINTS
from bot.domain.errors import DomainError

_PERCENT = re.compile(r"^([0-9]{1,3}(?:\.[0-9]{1,2})?)\s*%$")
_BASIS_POINTS = re.compile(r"^([0-9]{1,5})\s*(?:bp|bps)?$", re.IGNORECASE)


def parse_rate_bp(text: str) -> int:
    """Return the rate in basis points (0..10000) typed as a percentage or basis points.

    A bare number is basis points ("800" is 8 %). Raises DomainError("rate.invalid").
    """
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if len(folded) > 16:
        raise DomainError("rate.invalid")
    percent = _PERCENT.match(folded)
    if percent is not None:
        try:
            value = int(Decimal(percent.group(1)) * 100)
        except InvalidOperation as error:  # pragma: no cover - the regex admits only numbers
            raise DomainError("rate.invalid") from error
    else:
        points = _BASIS_POINTS.match(folded)
        if points is None:
            raise DomainError("rate.invalid")
        value = int(points.group(1))
    if not 0 <= value <= BASIS_POINTS:
        raise DomainError("rate.invalid")
    return value


def format_rate(rate_bp: int) -> str:
    """Show basis points as a percentage: 850 -> "8.5%", 800 -> "8%"."""
    whole, rest = divmod(rate_bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"
