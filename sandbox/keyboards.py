"""The keyboards of a bot's message, checked in the server's order.

Each check names the place it mirrors: the Bot API server (telegram-bot-api `Client::…`), td
(`td/telegram/…`) or Telegram's own servers (documented limits such as 64 bytes of callback_data,
which neither the Bot API server nor td enforce). Keyboards go through two steps like a real one:
`Client::get_reply_markup` parses the JSON (so `{}`, `{"inline_keyboard": []}` and
`{"inline_keyboard": [[]]}` all mean "no keyboard"), then td's `get_reply_markup` checks buttons,
skips those with empty text, drops empty rows, and turns an empty keyboard into none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox import tdjson
from sandbox.errors import td_error
from sandbox.formatting import clean_input_string
from sandbox.links import checked_link, checked_web_app_url, link_user_id
from sandbox.params import Params
from sandbox.tdjson import JsonError, is_utf8

MAX_CALLBACK_DATA_BYTES = 64
MAX_ROW_BUTTONS = 12
MAX_BUTTONS = 300
BUTTON_STYLES = ("", "default", "primary", "danger", "success")

# --- Keyboards: the Bot API server's parse (Client::get_reply_markup) ------------------------


def _button_style(obj: dict[str, Any]) -> str:
    style = tdjson.opt_str(obj, "style").lower()
    if style not in BUTTON_STYLES:
        raise JsonError("invalid button style specified")
    return "" if style == "default" else style


def _decoration(obj: dict[str, Any]) -> dict[str, Any]:
    """Return the optional style and custom emoji of a button (Client::get_*keyboard_button)."""
    extra: dict[str, Any] = {}
    icon = tdjson.opt_int(obj, "icon_custom_emoji_id", bits=64)
    style = _button_style(obj)
    if icon:
        extra["icon_custom_emoji_id"] = str(icon)
    if style:
        extra["style"] = style
    return extra


def _keyboard_button(button: Any) -> dict[str, Any]:
    """Client::get_keyboard_button: a String or an Object with one optional request field."""
    if isinstance(button, str) and not isinstance(button, tdjson.Number):
        return {"text": button}
    if not isinstance(button, dict):
        raise JsonError("KeyboardButton must be a String or an Object")
    result: dict[str, Any] = {"text": tdjson.req_str(button, "text"), **_decoration(button)}
    if tdjson.opt_bool(button, "request_phone_number") | tdjson.opt_bool(button, "request_contact"):
        result["request_contact"] = True
    elif tdjson.opt_bool(button, "request_location"):
        result["request_location"] = True
    elif "request_poll" in button:
        poll = tdjson.req_field(button, "request_poll", "Object")
        kind = tdjson.opt_str(poll, "type") if "type" in poll else ""
        result["request_poll"] = {"type": kind} if kind in ("quiz", "regular") else {}
    elif "web_app" in button:
        web_app = tdjson.req_field(button, "web_app", "Object")
        result["web_app"] = {"url": tdjson.req_str(web_app, "url")}
    elif "request_users" in button or "request_user" in button:
        key = "request_users" if "request_users" in button else "request_user"
        request = tdjson.req_field(button, key, "Object")
        tdjson.req_int(request, "request_id")
        for flag in ("user_is_bot", "user_is_premium", "request_name", "request_username"):
            tdjson.opt_bool(request, flag)
        tdjson.opt_int(request, "max_quantity", 1)
        tdjson.opt_bool(request, "request_photo")
        result["request_users"] = request
    elif "request_chat" in button:
        request = tdjson.req_field(button, "request_chat", "Object")
        tdjson.req_int(request, "request_id")
        for flag in ("chat_is_channel", "chat_is_forum", "chat_has_username", "chat_is_created"):
            tdjson.opt_bool(request, flag)
        for flag in ("bot_is_member", "request_title", "request_username", "request_photo"):
            tdjson.opt_bool(request, flag)
        result["request_chat"] = request
    elif "request_managed_bot" in button:
        request = tdjson.req_field(button, "request_managed_bot", "Object")
        tdjson.req_int(request, "request_id")
        tdjson.opt_str(request, "suggested_name")
        tdjson.opt_str(request, "suggested_username")
        result["request_managed_bot"] = request
    return result


def _login_url(button: dict[str, Any]) -> dict[str, Any]:
    login = tdjson.req_field(button, "login_url", "Object")
    result: dict[str, Any] = {"url": tdjson.req_str(login, "url")}
    bot_username = tdjson.opt_str(login, "bot_username")
    request_write_access = tdjson.opt_bool(login, "request_write_access")
    forward_text = tdjson.opt_str(login, "forward_text")
    name = bot_username.removeprefix("@") if bot_username else ""
    if bot_username and (
        not name or not all(c == "_" or (c.isascii() and c.isalnum()) for c in name)
    ):
        raise JsonError("LoginUrl bot username is invalid")
    if bot_username:
        result["bot_username"] = bot_username
    if request_write_access:
        result["request_write_access"] = True
    if forward_text:
        result["forward_text"] = forward_text
    return result


def _inline_button(button: Any) -> dict[str, Any]:
    """Client::get_inline_keyboard_button: the first action field present decides the type."""
    if not isinstance(button, dict):
        raise JsonError("InlineKeyboardButton must be an Object")
    result: dict[str, Any] = {"text": tdjson.req_str(button, "text")}
    decoration = _decoration(button)
    url = tdjson.opt_str(button, "url")
    callback_data = tdjson.opt_str(button, "callback_data") if not url else ""
    if url:
        result["url"] = url
    elif callback_data:
        result["callback_data"] = callback_data
    elif "callback_game" in button:
        result["callback_game"] = {}
    elif "pay" in button:
        result["pay"] = True
    elif "switch_inline_query" in button:
        result["switch_inline_query"] = tdjson.req_str(button, "switch_inline_query")
    elif "switch_inline_query_chosen_chat" in button:
        chosen = tdjson.req_field(button, "switch_inline_query_chosen_chat", "Object")
        kept: dict[str, Any] = {"query": tdjson.opt_str(chosen, "query")}
        for flag in ("allow_user_chats", "allow_bot_chats", "allow_group_chats"):
            kept[flag] = tdjson.opt_bool(chosen, flag)
        kept["allow_channel_chats"] = tdjson.opt_bool(chosen, "allow_channel_chats")
        result["switch_inline_query_chosen_chat"] = kept
    elif "switch_inline_query_current_chat" in button:
        result["switch_inline_query_current_chat"] = tdjson.req_str(
            button, "switch_inline_query_current_chat"
        )
    elif "login_url" in button:
        result["login_url"] = _login_url(button)
    elif "web_app" in button:
        web_app = tdjson.req_field(button, "web_app", "Object")
        result["web_app"] = {"url": tdjson.req_str(web_app, "url")}
    elif "copy_text" in button:
        copy = tdjson.req_field(button, "copy_text", "Object")
        result["copy_text"] = {"text": tdjson.req_str(copy, "text")}
    else:
        raise JsonError("Text buttons are unallowed in the inline keyboard")
    result.update(decoration)
    return result


def _rows(
    markup: dict[str, Any], key: str, row_error: str, button_error: str, parse: Any
) -> list[list[dict[str, Any]]]:
    value = tdjson.opt_field(markup, key, "Array")
    rows: list[list[dict[str, Any]]] = []
    for row in value or []:
        if not isinstance(row, list):
            raise JsonError(row_error)
        parsed = []
        for button in row:
            try:
                parsed.append(parse(button))
            except JsonError as exc:
                raise JsonError(f"{button_error}: {exc}") from exc
        rows.append(parsed)
    return rows


def client_markup(value: Any) -> dict[str, Any] | None:
    """Client::get_reply_markup(JsonValue): the markup object, or None (e.g. for `{}`)."""
    if not isinstance(value, dict):
        raise td_error(400, "Object expected as reply markup")
    try:
        rows = _rows(
            value,
            "keyboard",
            'Field "keyboard" must be an Array of Arrays',
            "Can't parse keyboard button",
            _keyboard_button,
        )
        inline_rows = _rows(
            value,
            "inline_keyboard",
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
            "Can't parse inline keyboard button",
            _inline_button,
        )
        flags = {
            name: tdjson.opt_bool(value, name)
            for name in (
                "hide_keyboard",
                "remove_keyboard",
                "personal_keyboard",
                "selective",
                "force_reply_keyboard",
                "force_reply",
            )
        }
        placeholder = tdjson.opt_str(value, "input_field_placeholder")
        if rows:
            result: dict[str, Any] = {"keyboard": rows}
            for name in ("resize_keyboard", "one_time_keyboard", "is_persistent"):
                if tdjson.opt_bool(value, name):
                    result[name] = True
            if placeholder:
                result["input_field_placeholder"] = placeholder
            return result
    except JsonError as exc:
        raise td_error(400, str(exc)) from exc
    if inline_rows:
        return {"inline_keyboard": inline_rows}
    if flags["hide_keyboard"] or flags["remove_keyboard"]:
        return {"remove_keyboard": True}
    if flags["force_reply"] or flags["force_reply_keyboard"]:
        forced: dict[str, Any] = {"force_reply": True}
        if placeholder:
            forced["input_field_placeholder"] = placeholder
        return forced
    return None


def reply_markup_argument(params: Params) -> dict[str, Any] | None:
    """Client::get_reply_markup(query): an empty parameter is no markup; bad JSON is a 400."""
    raw = params.arg("reply_markup")
    if not raw:
        return None
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse reply keyboard markup JSON object") from exc
    return client_markup(value)


# --- Keyboards: td's checks (td/telegram/ReplyMarkup.cpp) and Telegram's limits ---------------


def _clean_text(text: str, utf8_error: str, empty_error: str) -> str:
    cleaned = clean_input_string(text)
    if cleaned is None:
        raise td_error(400, utf8_error)
    if not cleaned:
        raise td_error(400, empty_error)
    return cleaned


def _td_inline_button(button: dict[str, Any], test_environment: bool) -> dict[str, Any]:
    result = dict(button)
    result["text"] = _clean_text(
        button["text"],
        "Inline keyboard button text must be encoded in UTF-8",
        "Inline keyboard button text must be non-empty",
    )
    if "url" in button:
        if not link_user_id(button["url"]):
            result["url"] = checked_link(button["url"], "Inline keyboard button")
    elif "login_url" in button:
        url = button["login_url"]["url"]
        if link_user_id(url):
            raise td_error(400, "Link to a user can't be used in login URL buttons")
        login = dict(button["login_url"])
        login["url"] = checked_web_app_url(url, test_environment, "Inline keyboard button login")
        result["login_url"] = login
    elif "web_app" in button:
        url = button["web_app"]["url"]
        if link_user_id(url):
            raise td_error(400, "Link to a user can't be used in Web App URL buttons")
        result["web_app"] = {
            "url": checked_web_app_url(url, test_environment, "Inline keyboard button Web App")
        }
    for key, error in (
        (
            "switch_inline_query",
            "Inline keyboard button switch inline query must be encoded in UTF-8",
        ),
        (
            "switch_inline_query_current_chat",
            "Inline keyboard button switch inline query must be encoded in UTF-8",
        ),
    ):
        if key in button and not is_utf8(button[key]):
            raise td_error(400, error)
    if "copy_text" in button and not is_utf8(button["copy_text"]["text"]):
        raise td_error(400, "Inline keyboard button copied text must be encoded in UTF-8")
    return result


def _td_keyboard_button(button: dict[str, Any], test_environment: bool) -> dict[str, Any]:
    result = dict(button)
    result["text"] = _clean_text(
        button["text"],
        "Keyboard button text must be encoded in UTF-8",
        "Keyboard button text must be non-empty",
    )
    if "web_app" in button:
        url = button["web_app"]["url"]
        if link_user_id(url):
            raise td_error(400, "Link to a user can't be used in Web App URL buttons")
        checked_web_app_url(url, test_environment, "Keyboard button Web App")
        # td's get_keyboard_button keeps the URL as given (inline buttons keep the checked one).
        result["web_app"] = {"url": url}
    return result


def _td_rows(
    rows: list[list[dict[str, Any]]],
    check: Callable[[dict[str, Any], bool], dict[str, Any]],
    test_environment: bool,
) -> list[list[dict[str, Any]]]:
    """Skip buttons with empty text, cap rows at 12 and the keyboard at 300, drop empty rows."""
    result: list[list[dict[str, Any]]] = []
    total = 0
    for row in rows:
        kept = []
        for button in row:
            if not button["text"] and not button.get("icon_custom_emoji_id"):
                continue
            kept.append(check(button, test_environment))
            total += 1
            if len(kept) >= MAX_ROW_BUTTONS or total >= MAX_BUTTONS:
                break
        if kept:
            result.append(kept)
        if total >= MAX_BUTTONS:
            break
    return result


def td_markup(
    markup: dict[str, Any] | None, *, inline_only: bool, test_environment: bool
) -> dict[str, Any] | None:
    """td's get_reply_markup for a bot in a private chat: buttons checked, empties dropped.

    `test_environment` is td's G()->is_test_dc(): Web App and login URLs may then be plain HTTP.
    """
    if markup is None:
        return None
    if inline_only and "inline_keyboard" not in markup:
        raise td_error(400, "Inline keyboard expected")
    if "inline_keyboard" in markup:
        rows = _td_rows(markup["inline_keyboard"], _td_inline_button, test_environment)
        return {"inline_keyboard": rows} if rows else None
    if "keyboard" in markup:
        rows = _td_rows(markup["keyboard"], _td_keyboard_button, test_environment)
        return {**markup, "keyboard": rows} if rows else None
    return markup


def server_markup_checks(markup: dict[str, Any] | None) -> None:
    """Telegram's servers, after td: callback_data is 1-64 bytes (documented; BUTTON_DATA_INVALID).

    The sandbox keeps texts, so it also refuses callback_data that is not UTF-8, which Telegram
    would store as raw bytes.
    """
    for data in callback_data_of(markup):
        if not is_utf8(data) or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise td_error(400, "BUTTON_DATA_INVALID")


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
