"""Bot API answers to people's queries: answerCallbackQuery, answerInlineQuery and the
prepared inline messages Mini Apps share (savePreparedInlineMessage).

The Bot API server parses (`process_answer_*_query`, `get_inline_query_result`), td checks
strings and results (`Requests::on_request`, `InlineQueriesManager`), and Telegram's servers
refuse unknown, answered or expired queries (QUERY_ID_INVALID, shown as "query is too old and
response timeout expired or query ID is invalid"), toasts over 200 characters and duplicate
result ids.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from sandbox import content, keyboards, tdjson
from sandbox.bot_misc import user_id_argument
from sandbox.errors import BotApiError, td_error
from sandbox.formatting import clean_input_string, client_formatted_text
from sandbox.links import MAX_USER_ID, checked_web_app_url, link_user_id
from sandbox.media import SANDBOX_FILE_ID, foreign_file_id_error, kind_of
from sandbox.params import Params
from sandbox.records import PreparedMessage
from sandbox.registry import Call, bot_method
from sandbox.tdjson import BASE64URL_CHARS, JsonError, is_utf8

MAX_TOAST = 200
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_START_PARAMETER = 64
_BASE64URL = frozenset(BASE64URL_CHARS)
# Per type: (required string fields, fields required only without a *_url, the url field).
RESULT_TYPES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "article": (("title",), "", ""),
    "audio": ((), "audio_file_id", "audio_url"),
    "contact": (("phone_number", "first_name"), "", ""),
    "document": (("title",), "document_file_id", "document_url"),
    "game": (("game_short_name",), "", ""),
    "gif": ((), "gif_file_id", "gif_url"),
    "location": (("title",), "", ""),
    "mpeg4_gif": ((), "mpeg4_file_id", "mpeg4_url"),
    "photo": ((), "photo_file_id", "photo_url"),
    "sticker": (("sticker_file_id",), "", ""),
    "venue": (("title", "address"), "", ""),
    "video": (("title",), "video_file_id", "video_url"),
    "voice": (("title",), "voice_file_id", "voice_url"),
}


def _too_old(created: float, max_age: float) -> bool:
    return time.time() - created > max_age


@bot_method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    """Record the bot's answer to a button press (a toast or alert the person sees)."""
    params = call.params
    query_id = str(params.int64("callback_query_id"))
    text = clean_input_string(params.arg("text"))
    url = clean_input_string(params.arg("url"))
    if text is None or url is None:  # td's CLEAN_INPUT_STRING
        raise td_error(400, "Strings must be encoded in UTF-8")
    record = call.bot.callback_queries.get(query_id)
    max_age = call.sandbox.settings.callback_query_max_age_seconds
    if record is None or record.answered or _too_old(record.created, max_age):
        raise td_error(400, "QUERY_ID_INVALID")
    if len(text) > MAX_TOAST:
        raise td_error(400, "MESSAGE_TOO_LONG")
    record.answered = True
    record.answer = {
        "text": text or None,
        "show_alert": params.to_bool("show_alert"),
        "url": url or None,
        "cache_time": params.integer("cache_time", 0, 0, 30 * 24 * 60 * 60),
    }
    record.answer["seq"] = call.sandbox.new_seq()
    call.sandbox.emit(
        {"type": "toast", "user_id": record.user_id, "bot_id": call.bot.id, **record.sim_json()},
        record.answer["seq"],
    )
    return True


def _results_button(raw: str) -> dict[str, Any] | None:
    """Client::get_inline_query_results_button, then td's checks of the button."""
    if not raw:
        return None
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse inline query results button JSON object") from exc
    try:
        if not isinstance(value, dict):
            raise JsonError("InlineQueryResultsButton must be an Object")
        text = tdjson.req_str(value, "text")
        if "start_parameter" in value:
            button: dict[str, Any] = {
                "text": text,
                "start_parameter": tdjson.req_str(value, "start_parameter"),
            }
        elif "web_app" in value:
            web_app = tdjson.req_field(value, "web_app", "Object")
            button = {"text": text, "web_app": {"url": tdjson.req_str(web_app, "url")}}
        else:
            raise JsonError("InlineQueryResultsButton must have exactly one optional field")
    except JsonError as exc:
        raise td_error(400, f"Can't parse inline query results button: {exc}") from exc
    return button


def _td_results_button(button: dict[str, Any] | None, test_environment: bool) -> None:
    """InlineQueriesManager::answer_inline_query's checks of the results button."""
    if button is None:
        return
    if not is_utf8(button["text"]):
        raise td_error(400, "Strings must be encoded in UTF-8")
    if "start_parameter" in button:
        parameter = button["start_parameter"]
        if not parameter:
            raise td_error(400, "Can't use empty start_parameter")
        if len(parameter.encode("utf-8", "surrogatepass")) > MAX_START_PARAMETER:
            raise td_error(400, "Too long start_parameter specified")
        if not set(parameter) <= _BASE64URL:
            raise td_error(400, "Unallowed characters in start_parameter are used")
    else:
        url = button["web_app"]["url"]
        if link_user_id(url):
            raise td_error(400, "Link to a user can't be used in the Web App button")
        checked_web_app_url(url, test_environment, "Inline query button Web App")


def _input_message_content(value: dict[str, Any], required: bool) -> dict[str, Any] | None:
    """Client::get_input_message_content: message text, location, venue, contact or invoice."""
    message_text = tdjson.opt_str(value, "message_text")
    if message_text:
        if "link_preview_options" in value:
            options = tdjson.req_field(value, "link_preview_options", "Object")
            tdjson.opt_bool(options, "is_disabled")
            tdjson.opt_str(options, "url")
        else:
            tdjson.opt_bool(value, "disable_web_page_preview")
        parse_mode = tdjson.opt_str(value, "parse_mode")
        parsed = content.client_input_message_text(message_text, parse_mode, value.get("entities"))
        return {"message_text": parsed}
    if "latitude" in value and "longitude" in value:
        tdjson.req_field(value, "latitude", "Number")
        tdjson.req_field(value, "longitude", "Number")
        return {"location": True}
    if "phone_number" in value:
        tdjson.req_str(value, "phone_number")
        tdjson.req_str(value, "first_name")
        return {"contact": True}
    if "payload" in value:
        for name in ("title", "description", "payload", "currency"):
            tdjson.req_str(value, name)
        tdjson.req_field(value, "prices", "Array")
        return {"invoice": True}
    if required:
        raise td_error(400, "Input message content is not specified")
    return None


def _client_result(value: Any) -> dict[str, Any]:
    """Client::get_inline_query_result: the typed fields of one result (errors unprefixed)."""
    if not isinstance(value, dict):
        raise JsonError("Inline query result must be an object")
    kind = tdjson.req_str(value, "type").lower()
    result_id = tdjson.req_str(value, "id")
    is_article = kind == "article"
    message_content = tdjson.opt_field(value, "input_message_content", "Object")
    parsed_text = None
    if message_content is None:
        text = (
            tdjson.req_str(value, "message_text")
            if is_article
            else tdjson.opt_str(value, "message_text")
        )
        tdjson.opt_bool(value, "disable_web_page_preview")
        parse_mode = tdjson.opt_str(value, "parse_mode")
        if is_article or text:
            parsed_text = content.client_input_message_text(text, parse_mode, value.get("entities"))
    else:
        found = _input_message_content(message_content, is_article)
        parsed_text = found.get("message_text") if found else None
    caption = client_formatted_text(
        tdjson.opt_str(value, "caption"),
        tdjson.opt_str(value, "parse_mode"),
        value.get("caption_entities"),
    )
    tdjson.opt_bool(value, "show_caption_above_media")
    markup_value = tdjson.opt_field(value, "reply_markup", "Object")
    markup = keyboards.client_markup(markup_value) if markup_value is not None else None
    thumb = (
        "thumbnail"
        if any(f"thumbnail_{k}" in value for k in ("url", "width", "height"))
        else "thumb"
    )
    thumbnail_url = tdjson.opt_str(value, f"{thumb}_url")
    tdjson.opt_int(value, f"{thumb}_width")
    tdjson.opt_int(value, f"{thumb}_height")
    if kind not in RESULT_TYPES:
        raise JsonError(f'type "{kind}" is unsupported for the inline query result')
    required, file_field, url_field = RESULT_TYPES[kind]
    for name in required:
        tdjson.req_str(value, name)
    content_url = tdjson.opt_str(value, url_field) if url_field else ""
    if file_field and not content_url:
        content_url = tdjson.req_str(value, file_field)
    return {
        "kind": kind,
        "id": result_id,
        "text": parsed_text,
        "caption": caption,
        "markup": markup,
        "thumbnail_url": thumbnail_url,
        "content_url": content_url,
        "file_field": file_field if content_url and content_url == value.get(file_field) else "",
    }


def _td_result(call: Call, parsed: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """InlineQueriesManager::get_input_bot_inline_result for the sandbox's result kinds.

    Returns what a chosen result posts: text or caption (parsed and cleaned) and the keyboard.
    """
    markup = keyboards.td_markup(
        parsed["markup"], inline_only=True, test_environment=call.test_environment
    )
    message: dict[str, Any] = {"reply_markup": markup}
    if parsed["text"] is not None:
        message["text"], message["entities"] = content.td_text(parsed["text"])
        content.check_text_length(message["text"])
    message["caption"], message["caption_entities"] = content.td_caption(parsed["caption"])
    content.check_caption_length(message["caption"])
    for name in ("title", "description", "url"):
        if isinstance(raw.get(name), str) and not is_utf8(raw[name]):
            raise td_error(400, "Strings must be encoded in UTF-8")
    if not is_utf8(parsed["thumbnail_url"]) or not is_utf8(parsed["content_url"]):
        raise td_error(400, "Strings must be encoded in UTF-8")
    if parsed["kind"] == "photo" and "." not in parsed["content_url"]:
        stored = call.sandbox.files.get(parsed["content_url"])
        if stored is None:
            if SANDBOX_FILE_ID.match(parsed["content_url"]):
                raise td_error(400, "MEDIA_EMPTY")
            raise foreign_file_id_error(parsed["content_url"])
        if kind_of(stored) != "photo":
            raise td_error(400, f"Can't use file of type {kind_of(stored).capitalize()} as Photo")
    return message


def _server_result(result: dict[str, Any], parsed: dict[str, Any], seen: set[str]) -> None:
    """Telegram's servers: result ids are 1-64 bytes and unique; URL photos need both URLs."""
    result_id = parsed["id"]
    if not result_id or len(result_id.encode("utf-8", "surrogatepass")) > MAX_RESULT_ID_BYTES:
        raise td_error(400, "RESULT_ID_INVALID")
    if result_id in seen:
        raise td_error(400, "RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if parsed["kind"] == "photo" and "." in parsed["content_url"]:
        if not parsed["content_url"].lower().startswith(("http://", "https://")):
            raise td_error(400, "PHOTO_CONTENT_URL_EMPTY")
        if not parsed["thumbnail_url"].lower().startswith(("http://", "https://")):
            raise td_error(400, "PHOTO_THUMB_URL_EMPTY")
    keyboards.server_markup_checks(result.get("reply_markup"))


def _results(raw: str) -> list[Any]:
    """Client::get_inline_query_results: a JSON array of at most 50 results."""
    if not raw:
        return []
    try:
        values = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, f"Can't parse JSON encoded inline query results: {exc}") from exc
    if values is None:
        return []
    if not isinstance(values, list):
        raise td_error(400, "Expected an Array of inline query results")
    if len(values) > MAX_INLINE_RESULTS:
        raise td_error(400, "Too many inline query results specified")
    return values


def _with_checked_markup(value: Any, message: dict[str, Any]) -> Any:
    """The result as given, its reply_markup (if any) replaced by the checked one."""
    if "reply_markup" in value:
        return {**value, "reply_markup": message["reply_markup"]}
    return value


@bot_method("answerInlineQuery")
async def answer_inline_query(call: Call) -> bool:
    """Record the bot's results for an inline query and wake the person waiting for them."""
    params: Params = call.params
    query_id = str(params.int64("inline_query_id"))
    is_personal = params.to_bool("is_personal")
    cache_time = params.integer("cache_time", 300, 0, 24 * 60 * 60)
    next_offset = params.arg("next_offset")
    button = _results_button(params.arg("button"))
    if button is None and params.arg("switch_pm_text"):
        button = {
            "text": params.arg("switch_pm_text"),
            "start_parameter": params.arg("switch_pm_parameter"),
        }
    values = _results(params.arg("results"))
    parsed = []
    for value in values:
        try:
            parsed.append(_client_result(value))
        except BotApiError:
            raise
        except JsonError as exc:
            raise td_error(400, f"Can't parse inline query result: {exc}") from exc
    if not is_utf8(next_offset):
        raise td_error(400, "Strings must be encoded in UTF-8")
    _td_results_button(button, call.test_environment)
    messages = [_td_result(call, p, v) for p, v in zip(parsed, values, strict=True)]
    record = call.bot.inline_queries.get(query_id)
    max_age = call.sandbox.settings.callback_query_max_age_seconds
    if record is None or record.answer is not None or _too_old(record.created, max_age):
        raise td_error(400, "QUERY_ID_INVALID")
    seen: set[str] = set()
    for message, p in zip(messages, parsed, strict=True):
        _server_result(message, p, seen)
    results = [_with_checked_markup(v, m) for v, m in zip(values, messages, strict=True)]
    record.answer = {
        "inline_query_id": query_id,
        "results": results,
        "cache_time": cache_time,
        "is_personal": is_personal,
        "next_offset": next_offset,
        "button": button,
        "_messages": messages,  # what each result posts when chosen (not shown by /sim/)
    }
    record.answered.set()
    return True


# --- savePreparedInlineMessage: a result a Mini App's user may share ---------------------------

CHAT_TYPE_FLAGS = (
    "allow_user_chats",
    "allow_bot_chats",
    "allow_group_chats",
    "allow_channel_chats",
)


def _single_result(params: Params) -> tuple[dict[str, Any], Any]:
    """Client::get_inline_query_result(query): one result, its errors not prefixed."""
    raw = params.arg("result")
    if not raw:
        raise td_error(400, "Result isn't specified")
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, f"Can't parse JSON encoded web view query results {exc}") from exc
    try:
        return _client_result(value), value
    except JsonError as exc:
        raise td_error(400, str(exc)) from exc


@bot_method("savePreparedInlineMessage")
async def save_prepared_inline_message(call: Call) -> dict[str, Any]:
    """Keep a result for the person to share from a Mini App (shareMessage); return its id.

    Client::process_save_prepared_inline_message_query (user_id, result, the four chat types),
    then td's InlineQueriesManager::save_prepared_inline_message (the user, the result as
    answerInlineQuery's are checked, TargetDialogTypes: at least one chat type), then Telegram's
    servers (USER_ID_INVALID for a person Telegram does not know, the result id's limits).
    """
    params = call.params
    user_id = user_id_argument(params)
    parsed, value = _single_result(params)
    chat_types = {flag: params.to_bool(flag) for flag in CHAT_TYPE_FLAGS}
    if user_id > MAX_USER_ID:  # td's UserManager::get_input_user: not a valid UserId
        raise td_error(400, "User not found")
    message = _td_result(call, parsed, value)
    if not any(chat_types.values()):
        raise td_error(400, "At least one chat type must be allowed")
    if user_id not in call.sandbox.users:
        raise td_error(400, "USER_ID_INVALID")
    _server_result(message, parsed, set())
    now = int(time.time())
    prepared = PreparedMessage(
        id=secrets.token_urlsafe(12),
        user_id=user_id,
        result=_with_checked_markup(value, message),
        message=message,
        chat_types=chat_types,
        expiration_date=now + int(call.sandbox.settings.prepared_message_ttl_seconds),
    )
    kept = call.bot.prepared_messages
    for stale in [key for key, item in kept.items() if item.expiration_date <= now]:
        del kept[stale]
    kept[prepared.id] = prepared
    return {"id": prepared.id, "expiration_date": prepared.expiration_date}
