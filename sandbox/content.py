"""What a bot's message says: texts and captions, checked in the server's order.

Each check names the place it mirrors: the Bot API server (telegram-bot-api `Client::…`) or td
(`td/telegram/…`). The keyboards a message carries are checked in `sandbox.keyboards`.
"""

from __future__ import annotations

from typing import Any

from sandbox import tdjson
from sandbox.errors import td_error
from sandbox.formatting import (
    MAX_CAPTION,
    MAX_TEXT,
    check_length,
    client_formatted_text,
    entities_argument,
    fix_formatted_text,
)
from sandbox.params import Params
from sandbox.tdjson import JsonError, is_utf8

MESSAGE_TOO_LONG = td_error(400, "Message is too long")
CAPTION_TOO_LONG = td_error(400, "Message caption is too long")

# Each text goes through the server's step (client_*) before the chat is checked, and td's step
# (td_*) after it, as on Telegram: an unknown chat wins over a blank text, a malformed tag over
# an unknown chat.

Parsed = tuple[str, list[dict[str, Any]]]


def link_preview_options(params: Params) -> None:
    """Client::get_link_preview_options: a JSON object of optional typed fields."""
    raw = params.arg("link_preview_options")
    if not raw:
        return
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse link preview options JSON object") from exc
    if not isinstance(value, dict):
        raise td_error(400, "Object expected as link preview options")
    try:
        tdjson.opt_bool(value, "is_disabled")
        url = tdjson.opt_str(value, "url")
        for name in ("prefer_small_media", "prefer_large_media", "show_above_text"):
            tdjson.opt_bool(value, name)
    except JsonError as exc:
        raise td_error(400, str(exc)) from exc
    if not is_utf8(url):
        raise td_error(400, "Link preview URL must be encoded in UTF-8")


def client_message_text(params: Params) -> Parsed:
    """Client::get_input_message_text for sendMessage/editMessageText."""
    link_preview_options(params)
    return client_input_message_text(
        params.arg("text"), params.arg("parse_mode"), entities_argument(params.arg("entities"))
    )


def client_input_message_text(text: str, parse_mode: str, entities: Any) -> Parsed:
    """An absent or empty text is "message text is empty"; then the parse mode or entities."""
    if not text:
        raise td_error(400, "Message text is empty")
    return client_formatted_text(text, parse_mode, entities)


def client_caption(params: Params) -> Parsed:
    """Client::get_caption."""
    return client_formatted_text(
        params.arg("caption"),
        params.arg("parse_mode"),
        entities_argument(params.arg("caption_entities")),
    )


def td_text(parsed: Parsed) -> Parsed:
    """td: UTF-8, entity bounds, cleaning, trimming; a blank text is "text must be non-empty"."""
    return fix_formatted_text(*parsed, allow_empty=False)


def td_caption(parsed: Parsed) -> tuple[str | None, list[dict[str, Any]]]:
    """td for captions: as for texts, but a blank caption is simply none."""
    text, entities = fix_formatted_text(*parsed, allow_empty=True)
    return (text or None), entities


def check_text_length(text: str, *, edit: bool = False) -> None:
    """A message text over 4096 code points: td's check on sends, the server's code on edits."""
    check_length(text, MAX_TEXT, td_error(400, "MESSAGE_TOO_LONG") if edit else MESSAGE_TOO_LONG)


def check_caption_length(text: str | None, *, edit: bool = False) -> None:
    """A caption over 1024 code points: td's check on sends, the server's code on edits."""
    if text is not None:
        error = td_error(400, "MEDIA_CAPTION_TOO_LONG") if edit else CAPTION_TOO_LONG
        check_length(text, MAX_CAPTION, error)
