"""Validation of what a bot puts in a message: text, captions, entities, keyboards."""

from __future__ import annotations

from typing import Any

from sandbox import errors
from sandbox.errors import BotApiError, bad_request
from sandbox.html_check import check_length, parse_html, strip_text
from sandbox.params import Params

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
REPLY_BUTTON_OPTIONS = (
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)
MARKUP_ERROR = "Bad Request: can't parse reply keyboard markup JSON object"


def formatted_text(
    params: Params,
    *,
    text_key: str,
    entities_key: str,
    limit: int,
    too_long: str,
    empty: str | None,
) -> tuple[str | None, list[dict[str, Any]]]:
    """Return (text, entities) after parse_mode and trimming, or raise Telegram's 400.

    `empty` is the error for a missing/blank text; None means blank is allowed (captions).
    """
    source = params.text(text_key)
    parse_mode = (params.text("parse_mode") or "").strip()
    if source is None or not source.strip():
        if empty is not None:
            raise BotApiError(400, empty)
        return None, []
    if parse_mode.lower() == "html":
        text, entities = parse_html(source)
    elif parse_mode.lower() in ("", "markdown", "markdownv2"):
        # Markdown is kept verbatim: the sandbox checks HTML only (what Vitrine uses).
        text = source
        entities = parse_entities(params, entities_key)
    else:
        raise bad_request(f'unsupported parse_mode "{parse_mode}"')
    text, entities = strip_text(text, entities)
    if not text:
        if empty is not None:
            raise BotApiError(400, empty)
        return None, []
    check_length(text, limit, too_long)
    return text, entities


def parse_entities(params: Params, key: str) -> list[dict[str, Any]]:
    """Return explicit entities sent with the text (a JSON list), checked for shape."""
    value = params.json(key, "Bad Request: can't parse entities JSON object")
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(e, dict) and isinstance(e.get("type"), str) for e in value
    ):
        raise bad_request("can't parse entities JSON object")
    return [dict(e) for e in value]


def message_text(params: Params) -> tuple[str, list[dict[str, Any]]]:
    """Return the checked text of a sendMessage/editMessageText call."""
    text, entities = formatted_text(
        params,
        text_key="text",
        entities_key="entities",
        limit=MAX_TEXT,
        too_long=errors.TEXT_TOO_LONG,
        empty=errors.TEXT_EMPTY,
    )
    assert text is not None
    return text, entities


def caption(params: Params) -> tuple[str | None, list[dict[str, Any]]]:
    """Return the checked caption of a media call (None when there is none)."""
    return formatted_text(
        params,
        text_key="caption",
        entities_key="caption_entities",
        limit=MAX_CAPTION,
        too_long=errors.CAPTION_TOO_LONG,
        empty=None,
    )


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in INLINE_BUTTON_ACTIONS if button.get(key) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: Can't find field \"text\" or more than one "
            "optional field is specified"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise BotApiError(400, errors.BUTTON_DATA_INVALID)
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise BotApiError(400, errors.BUTTON_URL_INVALID)
        if len(url.split("://", 1)[1]) == 0:
            raise BotApiError(400, errors.BUTTON_URL_INVALID)
    kept = {"text": button["text"]}
    kept.update({key: button[key] for key in actions})
    return kept


def _rows(value: Any, key: str) -> list[list[Any]]:
    rows = value.get(key)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            f"can't parse reply keyboard markup JSON object: "
            f'Field "{key}" must be an Array of Arrays'
        )
    return rows


def reply_markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Return the checked, normalised reply_markup of a call (None if absent)."""
    value = params.json("reply_markup", MARKUP_ERROR)
    return check_markup(value, inline_only=inline_only)


def check_markup(value: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Check a decoded reply_markup; return it normalised (only the fields Telegram keeps)."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise BotApiError(400, MARKUP_ERROR)
    if "inline_keyboard" in value:
        rows = _rows(value, "inline_keyboard")
        return {"inline_keyboard": [[_inline_button(b) for b in row] for row in rows]}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in value:
        keyboard = []
        for row in _rows(value, "keyboard"):
            buttons = []
            for button in row:
                if isinstance(button, str):
                    button = {"text": button}
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
                buttons.append(
                    {k: v for k, v in button.items() if k == "text" or k in REPLY_BUTTON_OPTIONS}
                )
            keyboard.append(buttons)
        result: dict[str, Any] = {"keyboard": keyboard}
        for key in ("is_persistent", "resize_keyboard", "one_time_keyboard", "selective"):
            if value.get(key):
                result[key] = True
        if isinstance(value.get("input_field_placeholder"), str):
            result["input_field_placeholder"] = value["input_field_placeholder"]
        return result
    if value.get("remove_keyboard"):
        return {"remove_keyboard": True}
    if value.get("force_reply"):
        result = {"force_reply": True}
        if isinstance(value.get("input_field_placeholder"), str):
            result["input_field_placeholder"] = value["input_field_placeholder"]
        return result
    raise BotApiError(400, MARKUP_ERROR)


def callback_data_of(markup: dict[str, Any] | None) -> set[str]:
    """Return every callback_data carried by an inline keyboard."""
    if not markup or "inline_keyboard" not in markup:
        return set()
    return {
        button["callback_data"]
        for row in markup["inline_keyboard"]
        for button in row
        if "callback_data" in button
    }
