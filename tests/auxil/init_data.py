"""Sign Mini App initData the way Telegram does, for tests that play the Telegram client.

The browser tests get theirs from the sandbox; these are for HTTP and unit tests that need a
hostile variant of one (another bot's token, an old auth_date, a changed field).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bot.miniapp.init_data import data_check_string, secret_key

# A fixed key pair standing in for Telegram's (tests configure its public half).
TEST_SIGNING_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
TEST_PUBLIC_KEY = TEST_SIGNING_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def person(
    telegram_id: int, first_name: str = "Lin", language_code: str = "en", **extra: object
) -> str:
    """The `user` field: compact JSON as Telegram sends it."""
    user = {"id": telegram_id, "first_name": first_name, "language_code": language_code, **extra}
    return json.dumps(user, separators=(",", ":"), ensure_ascii=False)


def sign(
    fields: dict[str, str],
    *,
    bot_token: str,
    with_hash: bool = True,
    with_signature: bool = True,
    key: Ed25519PrivateKey = TEST_SIGNING_KEY,
) -> str:
    """`fields` plus Telegram's `signature` and `hash`, URL-encoded."""
    signed = dict(fields)
    if with_signature:
        bot_id = bot_token.split(":", 1)[0]
        message = f"{bot_id}:WebAppData\n" + data_check_string(
            signed, without=("hash", "signature")
        )
        signature = key.sign(message.encode())
        signed["signature"] = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    if with_hash:
        check = data_check_string(signed, without=("hash",))
        signed["hash"] = hmac.new(secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()
    return urlencode(signed)


def init_data(
    bot_token: str,
    telegram_id: int,
    *,
    first_name: str = "Lin",
    language_code: str = "en",
    auth_date: int | None = None,
    start_param: str | None = None,
    with_hash: bool = True,
    with_signature: bool = True,
) -> str:
    """initData for one person, signed for `bot_token`, dated now unless told."""
    fields = {
        "user": person(telegram_id, first_name, language_code),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "chat_type": "sender",
        "chat_instance": "-4611686018427387904",
    }
    if start_param is not None:
        fields["start_param"] = start_param
    return sign(fields, bot_token=bot_token, with_hash=with_hash, with_signature=with_signature)
