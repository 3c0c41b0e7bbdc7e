"""CSV exports (UTF-8 with a BOM, so spreadsheet programs open Chinese titles correctly).

Columns are stable machine names (a spreadsheet's header row, not a sentence); times are ISO
8601 in the reader's time zone; money is yuan with two decimals. No fan identity is written:
the rows (bot.analytics.rows) do not carry any.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from bot.analytics.model import error_class
from bot.analytics.rows import ClickRow, DeliveryRow, OrderRow

BOM = "\ufeff"
DELIVERY_COLUMNS = ("campaign_id", "status", "queued_at", "sent_at", "attempts", "error_class")
CLICK_COLUMNS = ("clicked_at", "source", "item_id", "item_title", "campaign_id")
ORDER_COLUMNS = (
    "occurred_at",
    "partner",
    "partner_order_id",
    "item_id",
    "item_title",
    "expert",
    "campaign_id",
    "quantity",
    "amount_yuan",
    "status",
    "commission_yuan",
)


def _time(moment: datetime | None, timezone: tzinfo) -> str:
    return "" if moment is None else moment.astimezone(timezone).isoformat(timespec="seconds")


def yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _blank(value: object) -> object:
    return "" if value is None else value


def safe_text(text: str) -> str:
    # A title starting with =, +, - or @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def deliveries_csv(rows: Iterable[DeliveryRow], timezone: tzinfo) -> bytes:
    """One line per message: campaign, status, times, attempts and an error class — no recipient."""
    return csv_document(
        DELIVERY_COLUMNS,
        (
            (
                row.campaign_id,
                row.status,
                _time(row.created_at, timezone),
                _time(row.sent_at, timezone),
                row.attempts,
                error_class(row.status, row.error),
            )
            for row in rows
        ),
    )


def clicks_csv(rows: Iterable[ClickRow], timezone: tzinfo) -> bytes:
    """One line per click: time, source, item and campaign — no fan, no click id."""
    return csv_document(
        CLICK_COLUMNS,
        (
            (
                _time(row.at, timezone),
                row.source,
                row.item_id,
                safe_text(row.item_title),
                _blank(row.campaign_id),
            )
            for row in rows
        ),
    )


def orders_csv(rows: Iterable[OrderRow], timezone: tzinfo) -> bytes:
    """One line per order: time, partner order id, item, expert, amount, status, commission."""
    return csv_document(
        ORDER_COLUMNS,
        (
            (
                _time(row.occurred_at, timezone),
                row.partner_key,
                safe_text(row.partner_order_id),
                _blank(row.item_id),
                safe_text(row.item_title),
                row.expert_handle,
                _blank(row.campaign_id),
                row.quantity,
                yuan_text(row.amount_fen),
                row.status,
                yuan_text(row.commission_fen),
            )
            for row in rows
        ),
    )


def parse_csv(content: bytes) -> list[dict[str, str]]:
    """Read an export back (for tests and tools): the BOM is dropped, one dict per line."""
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))
