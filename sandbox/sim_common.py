"""Helpers shared by the /sim/ routes: the sandbox, the target bot, bodies, errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.errors import BotApiError, SimError
from sandbox.records import SimUser
from sandbox.state import TOKEN_RE, BotState, Sandbox

SimHandler = Callable[[Request], Awaitable[Response]]


def sandbox_of(request: Request) -> Sandbox:
    """Return the sandbox state the app was built with."""
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _first_bot(sandbox: Sandbox, matches: Callable[[BotState], bool]) -> BotState | None:
    return next((bot for bot in sandbox.bots.values() if matches(bot)), None)


def bot_by_username(sandbox: Sandbox, username: str) -> BotState | None:
    """Return the known bot with this username (case-insensitive, no "@"), if any."""
    wanted = username.lower()
    return _first_bot(sandbox, lambda known: known.username.lower() == wanted)


def find_bot(request: Request, *, required: bool = True) -> BotState | None:
    """Return the bot a /sim/ call acts on: ?token=, else ?bot=<id>, else the most recently active.

    Raises 409 when `required` and no bot is known yet.
    """
    sandbox = sandbox_of(request)
    token = request.query_params.get("token")
    if token:
        if not TOKEN_RE.match(token):
            raise SimError(400, "token is not a well-formed bot token")
        return sandbox.bot(token)
    bot_id = request.query_params.get("bot")
    if bot_id:
        bot = _first_bot(sandbox, lambda known: str(known.id) == bot_id)
        if bot is None:
            raise SimError(404, f"no bot with id {bot_id}")
        return bot
    if sandbox.last_active_token and sandbox.last_active_token in sandbox.bots:
        return sandbox.bots[sandbox.last_active_token]
    if required:
        raise SimError(409, "no bot has called the sandbox yet; start the bot or pass ?token=")
    return None


def require_bot(request: Request) -> BotState:
    """Return the target bot, or raise 409 if there is none yet."""
    bot = find_bot(request)
    assert bot is not None
    return bot


def find_user(request: Request, key: str = "user_id") -> SimUser:
    """Return the person named by a path parameter, or raise 404."""
    sandbox = sandbox_of(request)
    try:
        user_id = int(request.path_params[key])
    except ValueError as exc:
        raise SimError(400, "user id must be an integer") from exc
    user = sandbox.users.get(user_id)
    if user is None:
        raise SimError(404, f"no user {user_id}; create it with POST /sim/users")
    return user


async def json_body(request: Request) -> dict[str, Any]:
    """Return the request's JSON object body ({} if empty), or raise 400."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise SimError(400, "body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise SimError(400, "body must be a JSON object")
    if _has_lone_surrogate(body):
        # Telegram's clients send UTF-8; a lone UTF-16 surrogate ("\\ud800") is not text.
        raise SimError(400, "body must be valid Unicode: a lone surrogate (\\ud800-\\udfff) is not")
    return body


def _has_lone_surrogate(value: Any) -> bool:
    """Say whether a decoded JSON value holds a lone surrogate in any string (key or value)."""
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def int_field(body: dict[str, Any], key: str) -> int:
    """Return body[key] as an int, or raise 400 naming the field."""
    value = body.get(key)
    if isinstance(value, bool) or value is None:
        raise SimError(400, f'"{key}" is required and must be an integer')
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise SimError(400, f'"{key}" must be an integer') from exc


def sim_route(handler: SimHandler) -> SimHandler:
    """Wrap a /sim/ handler so SimError and BotApiError become JSON errors."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except SimError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status_code)
        except BotApiError as exc:
            return JSONResponse({"error": exc.description}, status_code=exc.error_code)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped
