"""Bot API methods that send messages: sendMessage, sendPhoto, sendDocument, sendMediaGroup.

Checks run in the server's order: the Bot API server's parsing (`process_send_*_query`, then
`do_send_message`: reply parameters, reply markup), the chat and the replied message
(`check_reply_parameters`), td's checks of markup and content (`MessagesManager::send_message`),
Telegram's own limits, and last the person's block and the rate limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox import content, keyboards, tdjson
from sandbox.chats import add_message, ensure_not_blocked, resolve_user_chat
from sandbox.errors import BotApiError, td_error
from sandbox.formatting import client_formatted_text
from sandbox.media import file_reference, reference, resolve_reference
from sandbox.objects import api_message
from sandbox.params import Params, Upload
from sandbox.records import SimUser, StoredFile
from sandbox.registry import Call, bot_method
from sandbox.tdjson import JsonError

MAX_ALBUM = 10
CHAT_ACTIONS = frozenset(
    [
        "cancel",
        "typing",
        "record_video",
        "upload_video",
        "record_audio",
        "record_voice",
        "upload_audio",
        "upload_voice",
        "upload_photo",
        "upload_document",
        "choose_sticker",
        "pick_up_location",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)


@dataclass
class ReplyTo:
    """Reply parameters as the Bot API server parsed them."""

    message_id: int = 0
    chat_id: str = ""
    allow_missing: bool = False


def reply_parameters(params: Params) -> ReplyTo:
    """Client::get_reply_parameters: reply_parameters (JSON) or the legacy reply_to_message_id."""
    if not params.has("reply_parameters"):
        return ReplyTo(
            params.message_id("reply_to_message_id"),
            allow_missing=params.to_bool("allow_sending_without_reply"),
        )
    raw = params.arg("reply_parameters")
    if not raw:
        return ReplyTo()
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse reply parameters JSON object") from exc
    if not isinstance(value, dict):
        raise td_error(400, "Object expected as reply parameters")
    if not value:
        return ReplyTo()
    try:
        chat_id = tdjson.opt_str(value, "chat_id")
        message_id = tdjson.req_int(value, "message_id")
        allow_missing = tdjson.opt_bool(value, "allow_sending_without_reply")
        quote = tdjson.opt_str(value, "quote")
        quote_parse_mode = tdjson.opt_str(value, "quote_parse_mode")
        entities = value.get("quote_entities")
    except JsonError as exc:
        raise td_error(400, str(exc)) from exc
    client_formatted_text(quote, quote_parse_mode, entities)
    try:
        tdjson.opt_int(value, "quote_position")
        tdjson.opt_int(value, "checklist_task_id")
        tdjson.opt_str(value, "poll_option_id")
    except JsonError as exc:
        raise td_error(400, str(exc)) from exc
    return ReplyTo(max(message_id, 0), chat_id, allow_missing)


def checked_reply(call: Call, reply: ReplyTo, chat_id_arg: str, user: SimUser) -> int | None:
    """Client::check_reply_parameters: the replied message must exist unless allowed missing."""
    if reply.message_id <= 0:
        return None
    chat = user
    if reply.chat_id and reply.chat_id != chat_id_arg:
        chat = resolve_user_chat(call.sandbox, reply.chat_id)
    log = call.bot.chats.get(chat.id)
    if log is None or reply.message_id not in log.messages:
        if reply.allow_missing:
            return None
        raise td_error(400, "message to be replied not found")
    # A reply into another chat is checked but not drawn (the transcript keeps same-chat replies).
    return reply.message_id if chat is user else None


@dataclass
class Outgoing:
    """A send call after the Bot API server's checks: where it goes and its keyboard."""

    user: SimUser
    markup: dict[str, Any] | None
    reply_to: int | None


def outgoing(call: Call, *, with_markup: bool = True) -> Outgoing:
    """Client::do_send_message: reply parameters, reply markup, then the chat and the reply."""
    reply = reply_parameters(call.params)
    markup = keyboards.reply_markup_argument(call.params) if with_markup else None
    chat_id = call.params.arg("chat_id")
    user = resolve_user_chat(call.sandbox, chat_id)
    reply_to = checked_reply(call, reply, chat_id, user)
    return Outgoing(
        user,
        keyboards.td_markup(markup, inline_only=False, test_environment=call.test_environment),
        reply_to,
    )


def deliver(call: Call, out: Outgoing, *, messages: int = 1) -> None:
    """The last steps on Telegram's side: keyboard limits, the person's block, the rate limit."""
    keyboards.server_markup_checks(out.markup)
    ensure_not_blocked(call.bot, out.user)
    call.take_rate(out.user.id, messages=messages)


def _send(call: Call, user: SimUser, **fields: Any) -> dict[str, Any]:
    message = add_message(call.sandbox, call.bot, user.id, "bot", call.bot.message_user(), **fields)
    return api_message(call.sandbox, call.bot, message)


@bot_method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    """Send a text message."""
    parsed = content.client_message_text(call.params)
    out = outgoing(call)
    text, entities = content.td_text(parsed)
    content.check_text_length(text)
    deliver(call, out)
    return _send(
        call,
        out.user,
        text=text,
        entities=entities,
        reply_markup=out.markup,
        reply_to_message_id=out.reply_to,
    )


async def _send_file(call: Call, kind: str) -> dict[str, Any]:
    """sendPhoto/sendDocument: the file, the caption, then the common send steps."""
    source = file_reference(call.params, kind)
    if source is None:
        raise td_error(400, f"There is no {kind} in the request")
    parsed = content.client_caption(call.params)
    out = outgoing(call)
    stored = await resolve_reference(call.sandbox, source, kind)
    caption, caption_entities = content.td_caption(parsed)
    content.check_caption_length(caption)
    deliver(call, out)
    return _send(
        call,
        out.user,
        caption=caption,
        caption_entities=caption_entities,
        reply_markup=out.markup,
        reply_to_message_id=out.reply_to,
        **{kind: stored},
    )


@bot_method("sendPhoto")
async def send_photo(call: Call) -> dict[str, Any]:
    """Send a photo given as an upload, a file_id or an HTTP URL."""
    return await _send_file(call, "photo")


@bot_method("sendDocument")
async def send_document(call: Call) -> dict[str, Any]:
    """Send a document (e.g. a CSV report) given as an upload, a file_id or an HTTP URL."""
    return await _send_file(call, "document")


@dataclass
class InputMedia:
    """One InputMedia object after the Bot API server's parse (Client::get_input_media)."""

    kind: str
    source: str | Upload
    caption: content.Parsed
    show_caption_above_media: bool


def input_media(params: Params, value: Any, *, for_album: bool) -> InputMedia:
    """Client::get_input_media; errors are raw ("media not found"), the caller prefixes them."""
    if not isinstance(value, dict):
        raise JsonError("expected an Object")
    caption_text = tdjson.opt_str(value, "caption")
    parse_mode = tdjson.opt_str(value, "parse_mode")
    parsed = client_formatted_text(caption_text, parse_mode, value.get("caption_entities"))
    above = tdjson.opt_bool(value, "show_caption_above_media")
    tdjson.opt_bool(value, "has_spoiler")
    kind = tdjson.req_str(value, "type")
    source = reference(params, tdjson.opt_str(value, "media"))
    if source is None:
        raise JsonError("media not found")
    for name in ("thumbnail", "thumb"):
        tdjson.opt_str(value, name)
    if kind == "animation" and for_album:
        raise JsonError(f'type "{kind}" can\'t be used in sendMediaGroup')
    if kind in ("video", "audio", "animation", "live_photo"):
        # Telegram accepts these; the sandbox stores photos and documents only.
        raise JsonError(f'type "{kind}" is not implemented by the sandbox')
    if kind == "document":
        tdjson.opt_bool(value, "disable_content_type_detection")
    elif kind != "photo":
        raise JsonError(f'type "{kind}" is unsupported')
    return InputMedia(kind, source, parsed, above)


def parse_input_media(params: Params, value: Any, *, for_album: bool) -> InputMedia:
    """input_media with the server's "Can't parse InputMedia: …" wrapping."""
    try:
        return input_media(params, value, for_album=for_album)
    except BotApiError:
        raise
    except JsonError as exc:
        raise td_error(400, f"Can't parse InputMedia: {exc}") from exc


@bot_method("sendMediaGroup")
async def send_media_group(call: Call) -> list[dict[str, Any]]:
    """Send up to 10 photos or documents as an album; return one Message per item."""
    params = call.params
    reply = reply_parameters(params)
    raw = params.arg("media")
    if not raw:
        raise td_error(400, 'Parameter "media" is required')
    try:
        items = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse media JSON object") from exc
    if not isinstance(items, list):
        raise td_error(400, "Expected an Array of InputMedia")
    media = [parse_input_media(params, item, for_album=True) for item in items]
    # reply_markup is ignored by the server for albums.
    chat_id = params.arg("chat_id")
    user = resolve_user_chat(call.sandbox, chat_id)
    reply_to = checked_reply(call, reply, chat_id, user)
    if not media:
        raise td_error(400, "There are no messages to send")
    resolved: list[tuple[str, StoredFile, str | None, list[dict[str, Any]]]] = []
    for item in media:
        stored = await resolve_reference(call.sandbox, item.source, item.kind)
        caption, entities = content.td_caption(item.caption)
        content.check_caption_length(caption)
        resolved.append((item.kind, stored, caption, entities))
    if len(media) > MAX_ALBUM:
        raise td_error(400, "Too many messages to send as an album")
    if any(item.show_caption_above_media != media[0].show_caption_above_media for item in media):
        raise td_error(400, "Parameter show_caption_above_media must be the same for all messages")
    kinds = {kind for kind, *_ in resolved}
    if "document" in kinds and len(kinds) > 1:
        raise td_error(400, "Document can't be mixed with other media types")
    deliver(call, Outgoing(user, None, reply_to), messages=len(resolved))
    group_id = str(10**12 + call.sandbox.next_id()) if len(resolved) > 1 else None
    return [
        _send(
            call,
            user,
            caption=caption,
            caption_entities=entities,
            media_group_id=group_id,
            reply_to_message_id=reply_to,
            **{kind: stored},
        )
        for kind, stored, caption, entities in resolved
    ]


@bot_method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    """Accept a known "typing…"-style action for an existing, unblocked chat."""
    if call.params.arg("action").lower() not in CHAT_ACTIONS:
        raise td_error(400, "Wrong parameter action in request")
    user = resolve_user_chat(call.sandbox, call.params.arg("chat_id"))
    ensure_not_blocked(call.bot, user)
    return True
