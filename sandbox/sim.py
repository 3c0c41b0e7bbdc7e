"""The observer side of /sim/: transcripts, live events, the call log, faults, reset, bots."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from sandbox.bot_misc import commands_for_user, menu_button_for
from sandbox.errors import SimError
from sandbox.media import kind_of
from sandbox.objects import transcript_entry
from sandbox.sim_common import find_bot, find_user, json_body, sandbox_of, sim_route

KEEPALIVE_SECONDS = 15.0


def _int_query(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise SimError(400, f"?{name}= must be an integer") from exc


@sim_route
async def transcript(request: Request) -> Response:
    """GET /sim/users/{id}/transcript: the chat with the bot, oldest first, edits applied."""
    sandbox, user = sandbox_of(request), find_user(request)
    bot = find_bot(request, required=False)
    after = _int_query(request, "after", 0)
    since = _int_query(request, "since", 0)
    result: dict[str, Any] = {
        "user_id": user.id,
        "bot": (
            {"id": bot.id, "username": bot.username, "first_name": bot.display_name()}
            if bot
            else None
        ),
        "blocked": bool(bot and user.id in bot.blocked),
        "menu_button": menu_button_for(bot, user.id) if bot else {"type": "default"},
        "messages": [],
        "deleted": [],
        "toasts": [],
        "seq": sandbox.last_seq,
    }
    if bot is None or user.id not in bot.chats:
        return JSONResponse(result)
    log = bot.chats[user.id]
    toasts = [
        {**record.sim_json(), "seq": record.answer["seq"]}
        for record in bot.callback_queries.values()
        if record.chat_id == user.id and record.answered
    ]
    # Each message also lists the answers to presses of its buttons (the chat page uses both).
    result["messages"] = [
        {**transcript_entry(m), "toasts": [t for t in toasts if t["message_id"] == m.message_id]}
        for m in log.messages.values()
        if m.message_id > after and m.seq > since
    ]
    result["deleted"] = [mid for mid, seq in log.deleted if seq > since and mid > after]
    result["toasts"] = [t for t in toasts if t["seq"] > since]
    return JSONResponse(result)


@sim_route
async def events(request: Request) -> Response:
    """GET /sim/events: Server-Sent Events, one `data:` JSON line per change."""
    sandbox = sandbox_of(request)
    last_id = request.headers.get("last-event-id") or request.query_params.get("since")
    try:
        start = int(last_id) if last_id else sandbox.last_seq
    except ValueError as exc:
        raise SimError(400, "?since= must be an integer") from exc
    user_filter = request.query_params.get("user_id")

    async def stream() -> AsyncIterator[str]:
        last = start
        yield ": connected\n\n"
        while not sandbox.closing:
            pending = [e for e in list(sandbox.events) if e["seq"] > last]
            for event in pending:
                last = event["seq"]
                if user_filter and str(event.get("user_id")) != user_filter:
                    continue
                yield f"id: {event['seq']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
            if not pending and not await sandbox.events_signal.wait(KEEPALIVE_SECONDS):
                yield ": keepalive\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


@sim_route
async def calls(request: Request) -> Response:
    """GET /sim/calls: the Bot API call log, oldest first (?method=, ?since=<seq>, ?limit=)."""
    sandbox = sandbox_of(request)
    method = (request.query_params.get("method") or "").lower()
    since = _int_query(request, "since", 0)
    limit = _int_query(request, "limit", 0)
    entries = [
        entry
        for entry in sandbox.calls
        if entry["seq"] > since and (not method or entry["method"].lower() == method)
    ]
    if limit > 0:
        entries = entries[-limit:]
    return JSONResponse(entries)


@sim_route
async def arm_fault(request: Request) -> Response:
    """POST /sim/faults: make the next `count` calls of `method` fail with `error`."""
    sandbox = sandbox_of(request)
    sandbox.faults.arm(await json_body(request))
    return JSONResponse({"armed": sandbox.faults.describe()})


@sim_route
async def list_faults(request: Request) -> Response:
    """GET /sim/faults: the faults still armed."""
    return JSONResponse({"armed": sandbox_of(request).faults.describe()})


@sim_route
async def clear_faults(request: Request) -> Response:
    """DELETE /sim/faults: disarm every fault."""
    sandbox_of(request).faults.clear()
    return JSONResponse({"armed": []})


@sim_route
async def reset(request: Request) -> Response:
    """POST /sim/reset: forget users, bots, chats, files, calls, faults and rate-limit state."""
    sandbox_of(request).reset()
    return JSONResponse({"ok": True})


@sim_route
async def commands(request: Request) -> Response:
    """GET /sim/commands?language_code=xx[&user_id=]: the command menu a client would show."""
    bot = find_bot(request, required=False)
    if bot is None:
        return JSONResponse([])
    language = request.query_params.get("language_code") or ""
    user_id = _int_query(request, "user_id", 0)
    return JSONResponse(commands_for_user(bot, user_id, language))


@sim_route
async def bots(request: Request) -> Response:
    """GET /sim/bots: every bot that has called the sandbox, most recently active first."""
    known = sorted(sandbox_of(request).bots.values(), key=lambda b: -b.last_active)
    return JSONResponse([bot.sim_json() for bot in known])


@sim_route
async def callback_answer(request: Request) -> Response:
    """GET /sim/callbacks/{id}: a button press and the bot's answer (text, show_alert, url)."""
    query_id = request.path_params["query_id"]
    for bot in sandbox_of(request).bots.values():
        record = bot.callback_queries.get(query_id)
        if record is not None:
            return JSONResponse(record.sim_json())
    raise SimError(404, f"no callback query {query_id}")


@sim_route
async def file_content(request: Request) -> Response:
    """GET /sim/files/{file_id}: a stored photo or document, for the chat page."""
    stored = sandbox_of(request).files.get(request.path_params["file_id"])
    if stored is None:
        raise SimError(404, "no such file")
    headers = {}
    if kind_of(stored) == "document":
        name = quote(stored.file_name or "document")
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return Response(stored.content, media_type=stored.mime_type, headers=headers)
