"""Mini Apps (Web Apps) as Telegram launches them: signed initData, theme, the launch URL.

Telegram's documentation is the reference (core.telegram.org/bots/webapps, "Validating data
received via the Mini App" and "Validating data for Third-Party Use"): initData is a query
string whose `hash` is the hex HMAC-SHA256 of its data-check-string (every field but `hash`,
`key=value` sorted by key, joined by "\\n") keyed by HMAC_SHA256("WebAppData", bot_token), and
whose `signature` is Telegram's Ed25519 signature, base64url without padding, of
"<bot_id>:WebAppData\\n" followed by the data-check-string of every field but `hash` and
`signature`. The sandbox signs with a key pair of its own (GET /sim/webapp/key gives the public
half), as a bot validating for third parties would use Telegram's published key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sandbox.records import SimUser

WEB_APP_VERSION = "8.0"
PLATFORM = "weba"  # Telegram Web A
KEY_SEED_BYTES = 32
# The themeParams Telegram Web A sends (telegram-tt's extractCurrentThemeParams over its light
# and dark themes). Web A sends no bottom_bar_bg_color; telegram-web-app.js then falls back to
# secondary_bg_color, which is what the sandbox sends.
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "bg_color": "#ffffff",
        "text_color": "#000000",
        "hint_color": "#707579",
        "link_color": "#3390ec",
        "button_color": "#3390ec",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#f4f4f5",
        "header_bg_color": "#ffffff",
        "accent_text_color": "#3390ec",
        "section_bg_color": "#ffffff",
        "section_header_text_color": "#707579",
        "subtitle_text_color": "#707579",
        "destructive_text_color": "#e53935",
        "bottom_bar_bg_color": "#f4f4f5",
    },
    "dark": {
        "bg_color": "#212121",
        "text_color": "#ffffff",
        "hint_color": "#aaaaaa",
        "link_color": "#8774e1",
        "button_color": "#8774e1",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#0f0f0f",
        "header_bg_color": "#212121",
        "accent_text_color": "#8774e1",
        "section_bg_color": "#212121",
        "section_header_text_color": "#aaaaaa",
        "subtitle_text_color": "#aaaaaa",
        "destructive_text_color": "#e53935",
        "bottom_bar_bg_color": "#0f0f0f",
    },
}


def new_key_seed() -> bytes:
    """Return a fresh Ed25519 private key (its 32-byte seed)."""
    return os.urandom(KEY_SEED_BYTES)


def public_key_hex(seed: bytes) -> str:
    """Return the public key of `seed` as 64 hex characters (how Telegram publishes its own)."""
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def data_check_string(fields: Mapping[str, str], *excluded: str) -> str:
    """The data-check-string: `key=value` of every field not excluded, sorted by key, by "\\n"."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key not in excluded)


def signed_fields(
    fields: Mapping[str, str], bot_id: int, token: str, seed: bytes
) -> dict[str, str]:
    """Return `fields` with Telegram's `signature` and then `hash` added."""
    signed = dict(fields)
    message = f"{bot_id}:WebAppData\n{data_check_string(signed)}".encode()
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(message)
    signed["signature"] = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    check = data_check_string(signed).encode()
    signed["hash"] = hmac.new(secret, check, hashlib.sha256).hexdigest()
    return signed


def init_data_user(user: SimUser, allows_write_to_pm: bool) -> str:
    """The `user` field: WebAppUser as compact JSON, in Telegram's field order."""
    data: dict[str, Any] = {"id": user.id, "first_name": user.first_name}
    if user.last_name:
        data["last_name"] = user.last_name
    if user.username:
        data["username"] = user.username
    if user.language_code:
        data["language_code"] = user.language_code
    if allows_write_to_pm:
        data["allows_write_to_pm"] = True
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def query_string(fields: Mapping[str, str]) -> str:
    """URL-encode `fields` as a query string, every reserved character escaped."""
    return "&".join(
        f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in fields.items()
    )


def launch_url(url: str, init_data: str, theme_params: Mapping[str, str], start_param: str) -> str:
    """The URL a client opens: the app's URL with the launch parameters in its fragment.

    An app URL with a fragment of its own keeps it; the parameters follow a "?" in it (or "&"
    if it has one), which is where telegram-web-app.js looks for them.
    """
    params = {
        "tgWebAppData": init_data,
        "tgWebAppVersion": WEB_APP_VERSION,
        "tgWebAppPlatform": PLATFORM,
        "tgWebAppThemeParams": json.dumps(theme_params, separators=(",", ":")),
    }
    if start_param:
        params["tgWebAppStartParam"] = start_param
    base, _, fragment = url.partition("#")
    if not fragment:
        return f"{base}#{query_string(params)}"
    joiner = "&" if "?" in fragment else "?"
    return f"{base}#{fragment}{joiner}{query_string(params)}"
