"""Telegram Mini App initData: who opened the app, as Telegram signed it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app

Two signatures are accepted, either one sufficing:
- `hash`: HMAC-SHA256 of the data-check-string (every field but `hash`, `key=value` sorted by
  key, joined by newlines) under the key HMAC-SHA256(key="WebAppData", msg=bot_token); compared in
  constant time;
- `signature` (Bot API 8.0, third-party validation): Ed25519 over "<bot_id>:WebAppData\\n" plus
  the data-check-string without `hash` and `signature`, checked with Telegram's public key (a
  setting: Telegram's published key in production, the sandbox's own in the demo).

Anything else — unparsable, duplicated fields, a `user` that is not a person, an `auth_date` older
than the allowed age or in the future, signed for another bot — is refused with InitDataRefused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# Telegram's keys for third-party validation (core.telegram.org/bots/webapps).
TELEGRAM_PUBLIC_KEY = "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"
TELEGRAM_TEST_PUBLIC_KEY = "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec"

MAX_INIT_DATA_CHARS = 8192  # Telegram's own are well under 2 KB; more is not from a client
MAX_CLOCK_SKEW_SECONDS = 60  # an auth_date this far ahead of our clock is still accepted
MAX_START_PARAM_CHARS = 512


class InitDataRefused(Exception):
    """initData that does not prove who is calling; `reason` is for logs, never for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    """The person the initData is about."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    allows_write_to_pm: bool


@dataclass(frozen=True)
class InitData:
    """Checked initData: the person, when Telegram signed it, and the launch's start parameter."""

    user: WebAppUser
    auth_date: int
    start_param: str | None
    query_id: str | None


def secret_key(bot_token: str) -> bytes:
    """HMAC-SHA256(key="WebAppData", msg=bot_token): the key of the `hash` field."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str], *, without: tuple[str, ...]) -> str:
    """Every field but `without`, as key=value lines sorted by key."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key not in without)


def _fields(raw: str) -> dict[str, str]:
    if not raw or len(raw) > MAX_INIT_DATA_CHARS:
        raise InitDataRefused("empty or oversized")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise InitDataRefused("unparsable") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise InitDataRefused(f"duplicate field {key!r}")
        fields[key] = value
    return fields


def _hash_matches(fields: dict[str, str], bot_token: str) -> bool:
    claimed = fields.get("hash", "")
    expected = hmac.new(
        secret_key(bot_token),
        data_check_string(fields, without=("hash",)).encode(),
        hashlib.sha256,
    ).hexdigest()
    return hmac.compare_digest(expected.encode(), claimed.encode("utf-8", "replace"))


def _signature_matches(fields: dict[str, str], bot_id: int, public_key_hex: str) -> bool:
    claimed = fields.get("signature")
    if not claimed:
        return False
    try:
        signature = base64.urlsafe_b64decode(claimed + "=" * (-len(claimed) % 4))
        public_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
    except (binascii.Error, ValueError):
        return False
    message = f"{bot_id}:WebAppData\n" + data_check_string(fields, without=("hash", "signature"))
    try:
        public_key.verify(signature, message.encode())
    except InvalidSignature:
        return False
    return True


def _user(raw: str | None) -> WebAppUser:
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InitDataRefused("no user")
    user_id, first_name = value.get("id"), value.get("first_name")
    if type(user_id) is not int or not 0 < user_id < 2**53 or not isinstance(first_name, str):
        raise InitDataRefused("user is not a person")
    if value.get("is_bot") is True:
        raise InitDataRefused("user is a bot")

    def text(key: str, limit: int) -> str | None:
        item = value.get(key)
        return item[:limit] if isinstance(item, str) and item else None

    return WebAppUser(
        id=user_id,
        first_name=first_name[:128],
        last_name=text("last_name", 128),
        username=text("username", 64),
        language_code=text("language_code", 35),
        allows_write_to_pm=value.get("allows_write_to_pm") is True,
    )


def check_init_data(
    raw: str,
    *,
    bot_token: str,
    bot_id: int,
    public_key_hex: str,
    max_age_seconds: int,
    now: int,
) -> InitData:
    """The checked initData, or InitDataRefused."""
    fields = _fields(raw)
    if not (_hash_matches(fields, bot_token) or _signature_matches(fields, bot_id, public_key_hex)):
        raise InitDataRefused("bad signature")
    raw_date = fields.get("auth_date", "")
    if not raw_date.isascii() or not raw_date.isdigit() or len(raw_date) > 12:
        raise InitDataRefused("no auth_date")
    auth_date = int(raw_date)
    if now - auth_date > max_age_seconds:
        raise InitDataRefused("expired")
    if auth_date - now > MAX_CLOCK_SKEW_SECONDS:
        raise InitDataRefused("from the future")
    start_param = fields.get("start_param") or None
    if start_param is not None and len(start_param) > MAX_START_PARAM_CHARS:
        raise InitDataRefused("start_param too long")
    return InitData(
        user=_user(fields.get("user")),
        auth_date=auth_date,
        start_param=start_param,
        query_id=fields.get("query_id") or None,
    )
