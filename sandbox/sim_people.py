"""The person side of /sim/: people send messages, press buttons, use inline mode, block the bot."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.chats import add_message
from sandbox.content import MAX_TEXT
from sandbox.entities import utf16_len
from sandbox.errors import BotApiError, SimError
from sandbox.keyboards import callback_data_of
from sandbox.media import store_upload
from sandbox.objects import api_message, transcript_entry
from sandbox.records import CallbackRecord, InlineRecord, SimUser, StoredMessage
from sandbox.sim_common import (
    find_user,
    int_field,
    json_body,
    require_bot,
    sandbox_of,
    sim_route,
)
from sandbox.state import BotState, Sandbox

COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?(?=\s|$)")


@sim_route
async def create_user(request: Request) -> Response:
    """POST /sim/users: create (or update, same id) a person with a private chat."""
    body = await json_body(request)
    user_id = int_field(body, "id")
    if user_id <= 0:
        raise SimError(400, '"id" must be a positive integer (private chats have positive ids)')
    first_name = body.get("first_name")
    if not isinstance(first_name, str) or not first_name.strip():
        raise SimError(400, '"first_name" is required')
    fields = {key: body.get(key) for key in ("language_code", "username", "last_name")}
    for key, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise SimError(400, f'"{key}" must be a string')
    user = SimUser(user_id, first_name, **fields)
    sandbox_of(request).users[user_id] = user
    return JSONResponse(user.sim_json())


@sim_route
async def list_users(request: Request) -> Response:
    """GET /sim/users: every person, in creation order."""
    return JSONResponse([u.sim_json() for u in sandbox_of(request).users.values()])


@sim_route
async def get_user(request: Request) -> Response:
    """GET /sim/users/{id}: one person."""
    return JSONResponse(find_user(request).sim_json())


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command entity Telegram marks on a leading /command."""
    match = COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def chat_instance(bot: BotState, user: SimUser) -> str:
    """The global identifier of the person's chat with the bot (callback queries, Mini Apps)."""
    return str(int(hashlib.sha256(f"{bot.id}:{user.id}".encode()).hexdigest()[:15], 16))


def _ensure_can_write(bot: BotState, user: SimUser) -> None:
    if user.id in bot.blocked:
        raise SimError(409, "this user blocked the bot; POST /sim/users/{id}/unblock first")


@sim_route
async def send_user_message(request: Request) -> Response:
    """POST /sim/users/{id}/messages: the person sends text (JSON) or a photo (multipart)."""
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    _ensure_can_write(bot, user)
    fields: dict[str, Any] = {}
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form() as form:
            photo, caption = form.get("photo"), form.get("caption")
            reply_to = form.get("reply_to_message_id")
            if not isinstance(photo, UploadFile):
                raise SimError(400, 'multipart messages need a "photo" file field')
            content = await photo.read()
        try:
            fields["photo"] = store_upload(sandbox, "photo", content, "image/jpeg", None)
        except BotApiError as exc:
            raise SimError(400, "the photo is not an image") from exc
        if isinstance(caption, str) and caption.strip():
            fields["caption"] = caption.strip()
    else:
        body = await json_body(request)
        text, reply_to = body.get("text"), body.get("reply_to_message_id")
        if not isinstance(text, str) or not text.strip():
            raise SimError(400, '"text" is required')
        if len(text) > MAX_TEXT:  # code points, as Telegram counts message length
            raise SimError(400, "text is longer than 4096 characters")
        fields["text"] = text
        fields["entities"] = command_entities(text)
    if reply_to not in (None, ""):
        try:
            reply_id = int(str(reply_to))
        except ValueError as exc:
            raise SimError(400, '"reply_to_message_id" must be an integer') from exc
        if reply_id not in bot.chat(user.id).messages:
            raise SimError(400, f"message {reply_id} not found in this chat")
        fields["reply_to_message_id"] = reply_id
    message = add_message(sandbox, bot, user.id, "user", user.api_user(), **fields)
    if user.id not in bot.write_access:  # a person who wrote to the bot has started it
        bot.write_access.add(user.id)
        sandbox.note_bot(bot)
    sandbox.enqueue_update(bot, "message", api_message(sandbox, bot, message))
    return JSONResponse(transcript_entry(message))


@sim_route
async def press_button(request: Request) -> Response:
    """POST /sim/users/{id}/callbacks: the person presses an inline button of a message."""
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    body = await json_body(request)
    message_id, data = int_field(body, "message_id"), body.get("data")
    message = bot.chat(user.id).messages.get(message_id)
    if message is None:
        raise SimError(400, f"message {message_id} not found in this chat")
    if not isinstance(data, str) or data not in callback_data_of(message.reply_markup):
        raise SimError(400, f"message {message_id} has no button with callback_data {data!r}")
    _ensure_can_write(bot, user)
    query_id = str(secrets.randbits(63))
    bot.callback_queries[query_id] = CallbackRecord(
        query_id, user.id, user.id, message_id, data, time.time()
    )
    payload: dict[str, Any] = {
        "id": query_id,
        "from": user.api_user(),
        "chat_instance": chat_instance(bot, user),
        "data": data,
    }
    if message.inline_message_id:
        payload["inline_message_id"] = message.inline_message_id
    else:
        payload["message"] = api_message(sandbox, bot, message)
    sandbox.enqueue_update(bot, "callback_query", payload)
    return JSONResponse({"callback_query_id": query_id})


@sim_route
async def inline_query(request: Request) -> Response:
    """POST /sim/users/{id}/inline: the person types "@bot <query>"; answer the bot's results."""
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    body = await json_body(request)
    query = body.get("query", "")
    if not isinstance(query, str) or len(query) > 256:
        raise SimError(400, '"query" must be a string of at most 256 characters')
    query_id = str(secrets.randbits(63))
    record = InlineRecord(query_id, user.id, query, time.time())
    bot.inline_queries[query_id] = record
    bot.last_inline_by_user[user.id] = query_id
    offset = body.get("offset", "")
    sandbox.enqueue_update(
        bot,
        "inline_query",
        {
            "id": query_id,
            "from": user.api_user(),
            "query": query,
            "offset": str(offset),
            "chat_type": "sender",
        },
    )
    wait = sandbox.settings.inline_answer_wait_seconds
    try:
        await asyncio.wait_for(record.answered.wait(), wait)
    except TimeoutError as exc:
        raise SimError(
            504, f"the bot did not answer inline query {query_id} within {wait} s"
        ) from exc
    answer = record.answer or {}
    return JSONResponse({k: v for k, v in answer.items() if not k.startswith("_")})


def _chosen_message_fields(
    sandbox: Sandbox, result: dict[str, Any], message: dict[str, Any]
) -> dict[str, Any]:
    """Return the message fields an inline result turns into when sent.

    `message` is what answerInlineQuery checked for the result: its text or caption, already
    parsed and cleaned as Telegram stores them, and its keyboard.
    """
    fields: dict[str, Any] = {"reply_markup": message.get("reply_markup")}
    if message.get("text") is not None:
        fields["text"], fields["entities"] = message["text"], message["entities"]
    elif result.get("type") == "photo":
        if "photo_file_id" in result:
            fields["photo"] = sandbox.files.get(result["photo_file_id"])
            if fields["photo"] is None:
                raise SimError(400, "the result's photo_file_id is unknown")
        else:
            fields["photo_url"] = result.get("photo_url")
        if message.get("caption") is not None:
            fields["caption"] = message["caption"]
            fields["caption_entities"] = message["caption_entities"]
    else:
        fields["text"] = str(result.get("title") or result.get("id"))
    return fields


def deliver_inline_result(
    sandbox: Sandbox,
    bot: BotState,
    sender: SimUser,
    recipient: SimUser,
    result: dict[str, Any],
    message: dict[str, Any],
) -> StoredMessage:
    """Post an inline result `sender` shares into `recipient`'s chat, as sent via the bot.

    `message` is what the bot's result posts, as answerInlineQuery (or savePreparedInlineMessage)
    checked it. A result with a keyboard gets an inline_message_id the bot can edit it by.
    """
    fields = _chosen_message_fields(sandbox, result, message)
    inline_message_id = f"SBXI{sandbox.next_id():08d}" if fields.get("reply_markup") else None
    # Shown in the recipient's transcript; the bot learns of it only from its updates, if any.
    delivered = add_message(
        sandbox,
        bot,
        recipient.id,
        "bot",
        sender.api_user(),
        via_bot=bot.message_user(),
        inline_message_id=inline_message_id,
        **fields,
    )
    if inline_message_id:
        bot.inline_messages[inline_message_id] = (recipient.id, delivered.message_id)
        sandbox.note_bot(bot)
    return delivered


@sim_route
async def choose_inline_result(request: Request) -> Response:
    """POST /sim/users/{id}/inline/choose: send a result of the last inline query to a person."""
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    body = await json_body(request)
    query_id = body.get("inline_query_id") or bot.last_inline_by_user.get(user.id)
    record = bot.inline_queries.get(str(query_id)) if query_id else None
    if record is None or record.answer is None:
        raise SimError(400, "this user has no answered inline query; POST .../inline first")
    result_id = body.get("result_id")
    index = next(
        (i for i, r in enumerate(record.answer["results"]) if r.get("id") == result_id), None
    )
    if index is None:
        raise SimError(400, f"no result with id {result_id!r} in the bot's answer")
    result = record.answer["results"][index]
    recipient = sandbox.users.get(int_field(body, "to_user"))
    if recipient is None:
        raise SimError(404, 'no such "to_user"; create it with POST /sim/users')
    message = deliver_inline_result(
        sandbox, bot, user, recipient, result, record.answer["_messages"][index]
    )
    chosen: dict[str, Any] = {
        "result_id": result_id,
        "from": user.api_user(),
        "query": record.query,
    }
    if message.inline_message_id:
        chosen["inline_message_id"] = message.inline_message_id
    sandbox.enqueue_update(bot, "chosen_inline_result", chosen)
    return JSONResponse(transcript_entry(message))


def _member_update(bot: BotState, user: SimUser, old: str, new: str) -> dict[str, Any]:
    me = bot.api_user()
    new_member: dict[str, Any] = {"status": new, "user": me}
    if new == "kicked":
        new_member["until_date"] = 0
    old_member: dict[str, Any] = {"status": old, "user": me}
    if old == "kicked":
        old_member["until_date"] = 0
    return {
        "chat": user.api_chat(),
        "from": user.api_user(),
        "date": int(time.time()),
        "old_chat_member": old_member,
        "new_chat_member": new_member,
    }


async def _set_blocked(request: Request, blocked: bool) -> Response:
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    if (user.id in bot.blocked) != blocked:
        if blocked:
            bot.blocked.add(user.id)
        else:
            bot.blocked.discard(user.id)
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        sandbox.enqueue_update(bot, "my_chat_member", _member_update(bot, user, old, new))
        sandbox.emit(
            {"type": "block" if blocked else "unblock", "user_id": user.id, "bot_id": bot.id}
        )
    return JSONResponse({"user_id": user.id, "blocked": blocked})


@sim_route
async def block_bot(request: Request) -> Response:
    """POST /sim/users/{id}/block: the person blocks the bot (sends to them then fail with 403)."""
    return await _set_blocked(request, True)


@sim_route
async def unblock_bot(request: Request) -> Response:
    """POST /sim/users/{id}/unblock: the person unblocks the bot."""
    return await _set_blocked(request, False)
