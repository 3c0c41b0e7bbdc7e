"""Bot API answers to people's queries: answerCallbackQuery and answerInlineQuery."""

from __future__ import annotations

import time
from typing import Any

from sandbox import content, errors
from sandbox.errors import BotApiError, bad_request
from sandbox.html_check import check_length, parse_html
from sandbox.params import Params
from sandbox.registry import Call, bot_method

INLINE_RESULT_TYPES = {
    "article",
    "photo",
    "gif",
    "mpeg4_gif",
    "video",
    "audio",
    "voice",
    "document",
    "location",
    "venue",
    "contact",
    "game",
    "sticker",
}
MAX_TOAST = 200
MAX_INLINE_RESULTS = 50


def _too_old(created: float, max_age: float) -> bool:
    return time.time() - created > max_age


@bot_method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    """Record the bot's answer to a button press (a toast or alert the person sees)."""
    query_id = call.params.text("callback_query_id") or ""
    record = call.bot.callback_queries.get(query_id)
    max_age = call.sandbox.settings.callback_query_max_age_seconds
    if record is None or record.answered or _too_old(record.created, max_age):
        raise BotApiError(400, errors.QUERY_TOO_OLD)
    text = call.params.text("text")
    if text is not None and len(text) > MAX_TOAST:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.answer = {
        "text": text,
        "show_alert": call.params.flag("show_alert"),
        "url": call.params.text("url"),
        "cache_time": call.params.integer("cache_time", 0),
    }
    record.answer["seq"] = call.sandbox.new_seq()
    call.sandbox.emit(
        {"type": "toast", "user_id": record.user_id, "bot_id": call.bot.id, **record.sim_json()},
        record.answer["seq"],
    )
    return True


def _check_input_message_content(value: Any) -> None:
    if not isinstance(value, dict):
        raise bad_request("can't parse InputMessageContent")
    if "message_text" in value:
        text = value["message_text"]
        if not isinstance(text, str) or not text.strip():
            raise BotApiError(400, errors.TEXT_EMPTY)
        if str(value.get("parse_mode", "")).lower() == "html":
            text, _ = parse_html(text)
        check_length(text.strip(), content.MAX_TEXT, errors.TEXT_TOO_LONG)


def check_inline_result(result: Any, seen_ids: set[str]) -> dict[str, Any]:
    """Check one InlineQueryResult as Telegram does; return it."""
    if not isinstance(result, dict):
        raise bad_request("can't parse inline query result")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen_ids:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen_ids.add(result_id)
    kind = result.get("type")
    if kind not in INLINE_RESULT_TYPES:
        raise bad_request("RESULT_TYPE_INVALID")
    cached = any(key.endswith("_file_id") for key in result)
    if kind == "article":
        if not isinstance(result.get("title"), str) or not result["title"]:
            raise bad_request(
                'can\'t parse inline query result: Field "title" must be of type String'
            )
        if "input_message_content" not in result:
            raise bad_request("MESSAGE_EMPTY")
    if kind == "photo" and not cached:
        if not str(result.get("photo_url", "")).startswith(("http://", "https://")):
            raise bad_request("PHOTO_CONTENT_URL_EMPTY")
        if not str(result.get("thumbnail_url", "")).startswith(("http://", "https://")):
            raise bad_request("PHOTO_THUMB_URL_EMPTY")
    if "input_message_content" in result:
        _check_input_message_content(result["input_message_content"])
    if isinstance(result.get("caption"), str):
        content.caption(Params(result))
    if "reply_markup" in result:
        result["reply_markup"] = content.check_markup(result["reply_markup"], inline_only=True)
    return result


@bot_method("answerInlineQuery")
async def answer_inline_query(call: Call) -> bool:
    """Record the bot's results for an inline query and wake the person waiting for them."""
    query_id = call.params.text("inline_query_id") or ""
    record = call.bot.inline_queries.get(query_id)
    max_age = call.sandbox.settings.callback_query_max_age_seconds
    if record is None or record.answer is not None or _too_old(record.created, max_age):
        raise BotApiError(400, errors.QUERY_TOO_OLD)
    results = call.params.json("results", "Bad Request: can't parse inline query results")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    checked = [check_inline_result(result, seen) for result in results]
    button = call.params.json("button", "Bad Request: can't parse inline query button")
    record.answer = {
        "inline_query_id": query_id,
        "results": checked,
        "cache_time": call.params.integer("cache_time", 300),
        "is_personal": call.params.flag("is_personal"),
        "next_offset": call.params.text("next_offset") or "",
        "button": button,
    }
    record.answered.set()
    return True
