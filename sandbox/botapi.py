"""The bot's side: /bot<token>/<method> and /file/bot<token>/<path>, as Telegram serves them."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# Importing the method modules fills the METHODS table.
from sandbox import bot_edit, bot_misc, bot_queries, bot_send, bot_updates  # noqa: F401
from sandbox.errors import BotApiError
from sandbox.params import Params, read_params
from sandbox.registry import METHODS, Call
from sandbox.state import TOKEN_RE, Sandbox
from sandbox.tdjson import to_integer_safe

logger = logging.getLogger(__name__)
UNAUTHORIZED = BotApiError(401, "Unauthorized")
INVALID_TOKEN = BotApiError(401, "Unauthorized: invalid token specified")
UNALLOWED_TOKEN = BotApiError(421, "Misdirected Request: unallowed token specified")
NOT_FOUND = BotApiError(404, "Not Found")
METHOD_NOT_FOUND = BotApiError(404, "Not Found: method not found")


def check_token(token: str) -> None:
    """Refuse a token the way the server does before it knows the bot.

    ClientManager::send: no ":", a leading "0", a "/" or more than 80 characters -> "invalid
    token specified"; a bot id that is not a number -> 421; an id out of range -> 401. A token
    that passes but whose secret Telegram would not know is plain "Unauthorized" (the sandbox
    accepts any secret of letters, digits, "-" and "_").
    """
    if token[:1] == "0" or len(token) > 80 or "/" in token or ":" not in token:
        raise INVALID_TOKEN
    bot_id = to_integer_safe(token.split(":", 1)[0], 64)
    if bot_id is None:
        raise UNALLOWED_TOKEN
    if not 0 < bot_id < 1 << 54:
        raise INVALID_TOKEN
    if not TOKEN_RE.match(token):
        raise UNAUTHORIZED


def _json_response(body: dict[str, Any], status: int) -> Response:
    """Render a body; text that is not valid Unicode (from a hostile call) is sent escaped."""
    try:
        return JSONResponse(body, status_code=status)
    except UnicodeEncodeError:
        return Response(
            json.dumps(body, ensure_ascii=True), status_code=status, media_type="application/json"
        )


async def bot_api_endpoint(request: Request) -> Response:
    """/bot<token>/<method>: a Bot API call in Telegram's production environment."""
    return await _serve(request, test_environment=False)


async def test_bot_api_endpoint(request: Request) -> Response:
    """/bot<token>/test/<method>: a call in Telegram's test environment, where td accepts http://
    Web App, login and menu button URLs. The sandbox keeps one bot for both paths (the real
    server keeps a test-environment bot apart from the production one)."""
    return await _serve(request, test_environment=True)


async def _serve(request: Request, *, test_environment: bool) -> Response:
    """Serve one Bot API call: check token and method, apply faults, run it, log it."""
    sandbox: Sandbox = request.app.state.sandbox
    token, method = request.path_params["token"], request.path_params["method"]
    started = time.monotonic()
    params = Params([])
    bot_id = None
    try:
        check_token(token)
        bot = sandbox.bot(token)
        bot_id = bot.id
        sandbox.touch(bot)
        handler = METHODS.get(method.lower())
        if handler is None:
            raise METHOD_NOT_FOUND
        params = await read_params(request)
        fault = sandbox.faults.take(method)
        if fault is not None:
            raise await sandbox.faults.fail(fault)
        result = await handler(Call(sandbox, bot, params, method, test_environment))
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
            "params": params.summary(),
            "status": status,
            "ok": status == 200,
            "description": _printable(body.get("description")),
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        }
    )
    return _json_response(body, status)


def _printable(text: str | None) -> str | None:
    return None if text is None else text.encode("utf-8", "backslashreplace").decode("utf-8")


async def file_download(request: Request) -> Response:
    """Serve a file's bytes at the path getFile gave, to a well-formed token."""
    sandbox: Sandbox = request.app.state.sandbox
    try:
        check_token(request.path_params["token"])
    except BotApiError as exc:
        return JSONResponse(exc.body(), status_code=exc.error_code)
    stored = sandbox.files_by_path.get(request.path_params["path"])
    if stored is None:
        return JSONResponse(NOT_FOUND.body(), status_code=404)
    # A bot's file is never run as a page of the sandbox's origin (the chat page lives there).
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
    return Response(stored.content, media_type=stored.mime_type, headers=headers)
