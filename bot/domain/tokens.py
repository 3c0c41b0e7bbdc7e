"""Signed buy-link tokens for ``/go/<token>``, click ids and per-purpose key derivation.

Click ids (the one rule every route and docs/partner-api.md follow): a click id is 1 to
``CLICK_ID_CHARS`` (32) characters of ``[A-Za-z0-9_-]``. Every id Vitrine issues today is exactly
32: a ``CLICK_TAG_CHARS``-character tag derived from the Buy link (so reloading the page finds the
same click) followed by ``CLICK_RANDOM_CHARS`` random characters. Shorter ones are still accepted
because clicks stored before the tag existed were 16 characters long.

Token layout, version 1 (then base64url without padding, about 40 characters)::

    version:1 byte = 1
    head:1 byte    = source code (low 3 bits) | 0x10 has campaign_id | 0x20 has sharer_ref
    item_id, fan_ref, issued_at, [campaign_id], [sharer_ref]   unsigned LEB128 varints
    mac:12 bytes   = HMAC-SHA256(key, everything above)[:12]

The token carries internal ids only (``fan_ref`` is our fan id, never a Telegram id). Every
accepted token is the unique canonical encoding of its fields: padding, non-minimal varints,
spare base64 bits and trailing bytes are refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal, cast

from bot.domain.errors import DomainError

TOKEN_VERSION = 1
MAC_BYTES = 12
MAX_TOKEN_CHARS = 200
DEFAULT_MAX_AGE = 30 * 86400
MAX_FIELD_VALUE = 2**63 - 1  # fits a signed 64-bit database column

# "app": a Buy in the Mini App (issue 16).
BuySource = Literal["window", "feed", "cart", "share", "campaign", "app"]
_SOURCE_CODES: dict[str, int] = {
    "window": 0,
    "feed": 1,
    "cart": 2,
    "share": 3,
    "campaign": 4,
    "app": 5,
}
_SOURCES_BY_CODE: dict[int, str] = {code: name for name, code in _SOURCE_CODES.items()}
_SOURCE_MASK = 0x07
_HAS_CAMPAIGN = 0x10
_HAS_SHARER = 0x20
_KNOWN_HEAD_BITS = _SOURCE_MASK | _HAS_CAMPAIGN | _HAS_SHARER

_URLSAFE_RE = re.compile(r"[A-Za-z0-9_-]+")

CLICK_TAG_CHARS = 16  # keyed hash of the Buy link, the same for every opening of that link
CLICK_RANDOM_CHARS = 16  # secrets.token_urlsafe(12): 96 random bits
CLICK_ID_CHARS = CLICK_TAG_CHARS + CLICK_RANDOM_CHARS  # also the width of clicks.id
CLICK_ID_ALPHABET = "A-Z a-z 0-9 - _"
_CLICK_ID_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{CLICK_ID_CHARS}}}")
# Smallest body: version, head, three one-byte varints.
_MIN_BODY_BYTES = 5


@dataclass(frozen=True)
class BuyToken:
    """What a Buy link says: which item, for which fan, from where, issued when."""

    item_id: int
    fan_ref: int
    source: BuySource
    campaign_id: int | None
    sharer_ref: int | None
    issued_at: int

    def __post_init__(self) -> None:
        if self.source not in _SOURCE_CODES:
            raise DomainError("token.bad_field", field="source")
        for name in ("item_id", "fan_ref", "issued_at", "campaign_id", "sharer_ref"):
            value = getattr(self, name)
            if value is None and name in ("campaign_id", "sharer_ref"):
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise DomainError("token.bad_field", field=name)
            if not 0 <= value <= MAX_FIELD_VALUE:
                raise DomainError("token.bad_field", field=name)


class ExpiredToken(DomainError):
    """A correctly signed token past its age limit; ``token`` is still trustworthy data."""

    def __init__(self, token: BuyToken) -> None:
        super().__init__("token.expired", item_id=token.item_id, issued_at=token.issued_at)
        self.token = token


def derive_key(secret_key: str, purpose: str) -> bytes:
    """Return a 32-byte key for ``purpose`` derived from the one configured secret."""
    if not secret_key:
        raise DomainError("key.empty_secret")
    if not purpose:
        raise DomainError("key.empty_purpose")
    # HMAC as a PRF: keys for different purposes are independent and none reveals the secret.
    message = b"vitrine-key:" + purpose.encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).digest()


def new_click_id() -> str:
    """Return the random part of a click id: 16 URL-safe characters (96 random bits).

    The full id is the Buy link's tag followed by this (see the module docstring).
    """
    return secrets.token_urlsafe(CLICK_RANDOM_CHARS * 3 // 4)


def is_click_id(value: object) -> bool:
    """True when `value` has the shape of a Vitrine click id (1 to 32 of ``[A-Za-z0-9_-]``)."""
    return isinstance(value, str) and _CLICK_ID_RE.fullmatch(value) is not None


def sign_buy_token(tok: BuyToken, key: bytes) -> str:
    """Return the compact URL-safe signed encoding of ``tok``."""
    _require_key(key)
    head = _SOURCE_CODES[tok.source]
    if tok.campaign_id is not None:
        head |= _HAS_CAMPAIGN
    if tok.sharer_ref is not None:
        head |= _HAS_SHARER
    body = bytearray((TOKEN_VERSION, head))
    for value in (tok.item_id, tok.fan_ref, tok.issued_at, tok.campaign_id, tok.sharer_ref):
        if value is not None:
            body += _encode_varint(value)
    raw = bytes(body) + _mac(key, bytes(body))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def verify_buy_token(s: str, key: bytes, *, now: int, max_age: int = DEFAULT_MAX_AGE) -> BuyToken:
    """Return the token ``s`` encodes if it is well-formed, signed with ``key`` and fresh.

    Raises DomainError "token.malformed", "token.version" or "token.bad_signature", and
    ``ExpiredToken`` (carrying the token) when it is older than ``max_age`` seconds.
    """
    _require_key(key)
    raw = _decode_canonical_base64url(s)
    if raw[0] != TOKEN_VERSION:
        raise DomainError("token.version", version=raw[0])
    if len(raw) < _MIN_BODY_BYTES + MAC_BYTES:
        raise DomainError("token.malformed", reason="too_short")
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, body)):
        raise DomainError("token.bad_signature")
    token = _parse_body(body)
    if now - token.issued_at > max_age:
        raise ExpiredToken(token)
    return token


def _require_key(key: bytes) -> None:
    """Refuse keys too short to sign with (a misconfiguration, not user input)."""
    if not isinstance(key, bytes) or len(key) < 16:
        raise DomainError("key.too_short")


def _mac(key: bytes, body: bytes) -> bytes:
    """Return the truncated HMAC-SHA256 of ``body``."""
    return hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]


def _decode_canonical_base64url(s: object) -> bytes:
    """Return the bytes ``s`` encodes, refusing anything but canonical unpadded base64url."""
    if not isinstance(s, str) or not s:
        raise DomainError("token.malformed", reason="empty")
    # Size first, so nothing large is ever decoded.
    if len(s) > MAX_TOKEN_CHARS:
        raise DomainError("token.malformed", reason="too_long")
    if not _URLSAFE_RE.fullmatch(s) or len(s) % 4 == 1:
        raise DomainError("token.malformed", reason="alphabet")
    raw = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    # Spare low bits in the last character would give one token many spellings.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != s:
        raise DomainError("token.malformed", reason="non_canonical")
    return raw


def _parse_body(body: bytes) -> BuyToken:
    """Return the token fields in a signed ``body`` (version byte included)."""
    head = body[1]
    source = _SOURCES_BY_CODE.get(head & _SOURCE_MASK)
    if source is None or head & ~_KNOWN_HEAD_BITS:
        raise DomainError("token.malformed", reason="head")
    position = 2
    values: list[int] = []
    count = 3 + bool(head & _HAS_CAMPAIGN) + bool(head & _HAS_SHARER)
    for _ in range(count):
        value, position = _decode_varint(body, position)
        values.append(value)
    if position != len(body):
        raise DomainError("token.malformed", reason="trailing_bytes")
    item_id, fan_ref, issued_at = values[:3]
    rest = iter(values[3:])
    campaign_id = next(rest) if head & _HAS_CAMPAIGN else None
    sharer_ref = next(rest) if head & _HAS_SHARER else None
    try:
        return BuyToken(
            item_id, fan_ref, cast(BuySource, source), campaign_id, sharer_ref, issued_at
        )
    except DomainError as error:
        raise DomainError("token.malformed", reason="field") from error


def _encode_varint(value: int) -> bytes:
    """Return the minimal unsigned LEB128 encoding of ``value``."""
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _decode_varint(data: bytes, position: int) -> tuple[int, int]:
    """Return (value, next position) of the minimal LEB128 varint at ``position``."""
    value = 0
    for index in range(10):  # 10 bytes hold 64 bits
        if position + index >= len(data):
            raise DomainError("token.malformed", reason="varint")
        byte = data[position + index]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if byte == 0 and index > 0:
                raise DomainError("token.malformed", reason="varint")
            return value, position + index + 1
    raise DomainError("token.malformed", reason="varint")
