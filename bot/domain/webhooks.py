"""Partner order callbacks: Standard Webhooks signatures and the order payload schema.

Signing (https://www.standardwebhooks.com/): three headers, names case-insensitive,

- ``webhook-id``: the message id, 1..128 of ``[A-Za-z0-9_:-]`` (a replay key; no dots, so
  the signed content below is unambiguous);
- ``webhook-timestamp``: unix seconds, accepted within ``tolerance`` (300 s) of our clock;
- ``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256(secret,
  f"{id}.{timestamp}." + body)>`` entries; one matching entry for one of the merchant's
  current secrets is enough (so a rotated-out secret keeps working while it is listed).

Secrets are shown to merchants as ``whsec_<base64 of 24..64 random bytes>``.

Order payload (a JSON object, UTF-8, at most 16 KiB; unknown fields are ignored)::

    order_id         string, 1..64 of [A-Za-z0-9_-]        the partner's order number
    status           "paid" | "refunded" | "cancelled"
    partner_item_id  string, 1..128 printable characters    the partner's product id
    click_id         string of [A-Za-z0-9_-] 1..32, or null  the id we appended at /go
                                                           (bot.domain.tokens.is_click_id);
                                                           missing means null
    quantity         integer 1..10000
    amount_fen       integer 0..10^10                       amount paid, in fen
    currency         "CNY"
    occurred_at      ISO-8601 string with a UTC offset ("2025-01-31T12:00:00+08:00",
                     "...Z"), or integer unix seconds

Errors are ``DomainError("payload.invalid", field=<name or "$">, reason=<why>)`` where
reason is one of missing, type, format, range, value, duplicate_key, not_utf8, not_json,
not_object; ``DomainError("payload.too_large", max_bytes=...)`` for oversized bodies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets as secrets_module
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn, cast

from bot.domain.errors import DomainError
from bot.domain.orders import ORDER_STATUSES, OrderEvent, OrderStatus
from bot.domain.tokens import is_click_id

__all__ = [
    "DEFAULT_TOLERANCE",
    "OrderEvent",
    "decode_secret",
    "new_webhook_secret",
    "parse_order_payload",
    "sign_webhook",
    "verify_webhook",
]

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
DEFAULT_TOLERANCE = 300
SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
MAX_SIGNATURE_HEADER_CHARS = 2048

_MSG_ID_RE = re.compile(r"[A-Za-z0-9_:-]{1,128}")
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
_ORDER_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_QUANTITY = 10_000
MAX_AMOUNT_FEN = 10**10
MAX_UNIX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
CURRENCIES = frozenset({"CNY"})


# --- secrets -----------------------------------------------------------------------------


def new_webhook_secret() -> str:
    """Return a fresh signing secret in the ``whsec_<base64>`` form (32 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets_module.token_bytes(32)).decode("ascii")


def decode_secret(s: str) -> bytes:
    """Return the key bytes of a ``whsec_<base64>`` secret (the prefix may be omitted)."""
    text = s.strip()
    if text.startswith(SECRET_PREFIX):
        text = text[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise DomainError("webhook.bad_secret") from error
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise DomainError("webhook.bad_secret")
    return key


# --- signatures --------------------------------------------------------------------------


def sign_webhook(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``v1,<base64>`` signature of one message, as a sender puts it in the header."""
    return "v1," + base64.b64encode(_digest(secret, msg_id, timestamp, body)).decode("ascii")


def verify_webhook(
    secrets: Sequence[bytes],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> str:
    """Return the message id when ``headers`` carry a fresh, valid signature of ``body``.

    Raises DomainError webhook.missing_header, webhook.bad_id, webhook.bad_timestamp,
    webhook.timestamp_out_of_tolerance or webhook.bad_signature. Replays within the
    tolerance are the caller's to refuse, by the returned id.
    """
    msg_id = _header(headers, ID_HEADER)
    timestamp_text = _header(headers, TIMESTAMP_HEADER)
    signature_header = _header(headers, SIGNATURE_HEADER)
    if not _MSG_ID_RE.fullmatch(msg_id):
        raise DomainError("webhook.bad_id")
    if not _TIMESTAMP_RE.fullmatch(timestamp_text):
        raise DomainError("webhook.bad_timestamp")
    timestamp = int(timestamp_text)
    if abs(now - timestamp) > tolerance:
        raise DomainError("webhook.timestamp_out_of_tolerance", timestamp=timestamp, now=now)
    if len(signature_header) > MAX_SIGNATURE_HEADER_CHARS:
        raise DomainError("webhook.bad_signature")
    offered = _offered_v1_digests(signature_header)
    expected = [_digest(secret, msg_id, timestamp, body) for secret in secrets]
    matched = False
    # No early exit: the time taken does not say which entry or secret matched.
    for candidate in offered:
        for digest in expected:
            matched |= hmac.compare_digest(candidate, digest)
    if not matched:
        raise DomainError("webhook.bad_signature")
    return msg_id


def _digest(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    """Return HMAC-SHA256 over ``f"{msg_id}.{timestamp}."`` followed by the raw body."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(secret, signed, hashlib.sha256).digest()


def _header(headers: Mapping[str, str], name: str) -> str:
    """Return header ``name`` (looked up case-insensitively), refusing absent or empty ones."""
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                value = candidate
                break
    if value is None or not value.strip():
        raise DomainError("webhook.missing_header", header=name)
    return value.strip()


def _offered_v1_digests(header: str) -> list[bytes]:
    """Return the decoded digests of the header's ``v1,`` entries; others are skipped."""
    digests = []
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":
            continue
        try:
            digests.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return digests


# --- payload -----------------------------------------------------------------------------


def parse_order_payload(body: bytes, *, max_bytes: int = 16384) -> OrderEvent:
    """Return the order event in ``body`` if it satisfies the schema in this module's docstring."""
    if len(body) > max_bytes:
        raise DomainError("payload.too_large", max_bytes=max_bytes)
    document = _load_json_object(body)
    return OrderEvent(
        order_id=_pattern_string(document, "order_id", _ORDER_ID_RE),
        status=cast(OrderStatus, _choice(document, "status", ORDER_STATUSES)),
        partner_item_id=_partner_item_id(document),
        click_id=_optional_click_id(document),
        quantity=_bounded_int(document, "quantity", 1, MAX_QUANTITY),
        amount_fen=_bounded_int(document, "amount_fen", 0, MAX_AMOUNT_FEN),
        currency=_choice(document, "currency", CURRENCIES),
        occurred_at=_instant(document, "occurred_at"),
    )


def _invalid(field: str, reason: str) -> DomainError:
    """Return the error for one field (``$`` is the whole body)."""
    return DomainError("payload.invalid", field=field, reason=reason)


def _load_json_object(body: bytes) -> dict[str, Any]:
    """Return the body parsed as one JSON object with unique keys and no NaN/Infinity."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _invalid("$", "not_utf8") from error

    def refuse_constant(name: str) -> NoReturn:
        raise _invalid("$", "not_json")

    def unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        # Duplicate keys mean different parsers would read different orders.
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise _invalid(key, "duplicate_key")
            result[key] = value
        return result

    try:
        document = json.loads(text, parse_constant=refuse_constant, object_pairs_hook=unique_object)
    except DomainError:
        raise
    except (ValueError, RecursionError) as error:
        raise _invalid("$", "not_json") from error
    if not isinstance(document, dict):
        raise _invalid("$", "not_object")
    return document


def _required(document: Mapping[str, Any], field: str) -> Any:
    """Return the field's value, refusing a missing one."""
    if field not in document:
        raise _invalid(field, "missing")
    return document[field]


def _string(document: Mapping[str, Any], field: str) -> str:
    """Return the field as a string, refusing other JSON types."""
    value = _required(document, field)
    if not isinstance(value, str):
        raise _invalid(field, "type")
    return value


def _pattern_string(document: Mapping[str, Any], field: str, pattern: re.Pattern[str]) -> str:
    """Return the field if it is a string matching ``pattern`` in full."""
    value = _string(document, field)
    if not pattern.fullmatch(value):
        raise _invalid(field, "format")
    return value


def _choice(document: Mapping[str, Any], field: str, allowed: frozenset[str]) -> str:
    """Return the field if it is one of the ``allowed`` strings."""
    value = _string(document, field)
    if value not in allowed:
        raise _invalid(field, "value")
    return value


def _partner_item_id(document: Mapping[str, Any]) -> str:
    """Return partner_item_id: 1..128 printable characters without surrounding spaces."""
    value = _string(document, "partner_item_id")
    if not 1 <= len(value) <= 128 or not value.isprintable() or value.strip() != value:
        raise _invalid("partner_item_id", "format")
    return value


def _optional_click_id(document: Mapping[str, Any]) -> str | None:
    """Return click_id, or None when it is null or absent (an unattributed order)."""
    value = document.get("click_id")
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid("click_id", "type")
    if not is_click_id(value):
        raise _invalid("click_id", "format")
    return value


def _bounded_int(document: Mapping[str, Any], field: str, low: int, high: int) -> int:
    """Return the field if it is a JSON integer (not a float, not a bool) in low..high."""
    value = _required(document, field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, "type")
    if not low <= value <= high:
        raise _invalid(field, "range")
    return value


def _instant(document: Mapping[str, Any], field: str) -> datetime:
    """Return the field as an aware UTC datetime from ISO-8601 with offset or unix seconds."""
    value = _required(document, field)
    if isinstance(value, bool):
        raise _invalid(field, "type")
    if isinstance(value, int):
        if not 0 <= value <= MAX_UNIX_SECONDS:
            raise _invalid(field, "range")
        return datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, str):
        raise _invalid(field, "type")
    if len(value) > 40:
        raise _invalid(field, "format")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise _invalid(field, "format") from error
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _invalid(field, "format")
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:  # year 1 or 9999 pushed past the calendar by the offset
        raise _invalid(field, "range") from error
