"""The bot's side: /bot<token>/<method> and /file/bot<token>/<path>, as Telegram serves them."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# Importing the method modules fills the METHODS table.
from sandbox import bot_edit, bot_misc, bot_queries, bot_send, bot_updates  # noqa: F401
from sandbox.bot_misc import summarize
from sandbox.errors import BotApiError
from sandbox.params import Params, read_params
from sandbox.registry import METHODS, Call
from sandbox.state import TOKEN_RE, Sandbox

logger = logging.getLogger(__name__)
UNAUTHORIZED = BotApiError(401, "Unauthorized")
NOT_FOUND = BotApiError(404, "Not Found")


async def bot_api_endpoint(request: Request) -> Response:
    """Serve one Bot API call: check token and method, apply faults, run it, log it."""
    sandbox: Sandbox = request.app.state.sandbox
    token, method = request.path_params["token"], request.path_params["method"]
    started = time.monotonic()
    raw: dict[str, Any] = {}
    bot_id = None
    try:
        if not TOKEN_RE.match(token):
            raise UNAUTHORIZED
        handler = METHODS.get(method.lower())
        if handler is None:
            raise NOT_FOUND
        bot = sandbox.bot(token)
        bot_id = bot.id
        sandbox.touch(bot)
        raw = await read_params(request)
        fault = sandbox.faults.take(method)
        if fault is not None:
            raise await sandbox.faults.fail(fault)
        result = await handler(Call(sandbox, bot, Params(raw), method))
        body: dict[str, Any] = {"ok": True, "result": result}
        status = 200
    except BotApiError as exc:
        body, status = exc.body(), exc.error_code
    except Exception as exc:  # a sandbox bug: answer in Bot API shape so the bot's log shows it
        logger.exception("sandbox failed serving %s", method)
        body = BotApiError(500, f"Internal Server Error: sandbox bug: {exc!r}").body()
        status = 500
    sandbox.log_call(
        {
            "time": time.time(),
            "bot_id": bot_id,
            "method": method,
            "params": summarize(raw),
            "status": status,
            "ok": status == 200,
            "description": body.get("description"),
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        }
    )
    return JSONResponse(body, status_code=status)


async def file_download(request: Request) -> Response:
    """Serve a file's bytes at the path getFile gave, to a well-formed token."""
    sandbox: Sandbox = request.app.state.sandbox
    if not TOKEN_RE.match(request.path_params["token"]):
        return JSONResponse(UNAUTHORIZED.body(), status_code=401)
    stored = sandbox.files_by_path.get(request.path_params["path"])
    if stored is None:
        return JSONResponse(NOT_FOUND.body(), status_code=404)
    return Response(stored.content, media_type=stored.mime_type)
