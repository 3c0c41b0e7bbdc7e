"""The person side of Mini Apps: signed launches, BotFather's /newapp, direct links, sharing.

A Telegram client asks Telegram for a Mini App's launch URL when a person presses a web_app
button, the menu button or a t.me/<bot>/<app> link; Telegram answers the app's URL with signed
initData in its fragment (sandbox/webapp.py). These routes play both: the chat page (or a test)
asks, the sandbox signs as Telegram does.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.chats import add_message
from sandbox.errors import SimError
from sandbox.links import UrlError, check_web_app_link
from sandbox.objects import api_message, transcript_entry
from sandbox.records import PreparedMessage, SimUser
from sandbox.sim_common import (
    bot_by_username,
    find_user,
    int_field,
    json_body,
    require_bot,
    sandbox_of,
    sim_route,
)
from sandbox.sim_people import chat_instance, deliver_inline_result
from sandbox.state import BotState, Sandbox
from sandbox.tdjson import BASE64URL_CHARS
from sandbox.webapp import (
    THEMES,
    init_data_user,
    launch_url,
    public_key_hex,
    query_string,
    signed_fields,
)

SOURCES = ("inline_button", "keyboard_button", "menu", "link")
# BotFather's /newapp: a short name of 3-30 letters, digits and underscores.
SHORT_NAME_RE = re.compile(r"[A-Za-z0-9_]{3,30}")
# t.me's startapp parameter: up to 512 characters of A-Z, a-z, 0-9, _ and - (Telegram's docs).
START_PARAM_RE = re.compile(f"[{re.escape(BASE64URL_CHARS)}]{{0,512}}")
LINK_HOSTS = ("t.me", "telegram.me", "telegram.dog")
BOT_USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,31}")


def _theme(body: dict[str, Any]) -> str:
    theme = body.get("theme") or "light"
    if not isinstance(theme, str) or theme not in THEMES:
        raise SimError(400, '"theme" must be "light" or "dark"')
    return str(theme)


def _start_param(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not START_PARAM_RE.fullmatch(value):
        raise SimError(
            400, f'"{name}" must be at most 512 characters of A-Z, a-z, 0-9, "_" and "-"'
        )
    return value


def _web_app_url(sandbox: Sandbox, url: Any) -> str:
    """A Web App URL as td checks it (HTTPS only outside the test environment)."""
    if not isinstance(url, str) or not url:
        raise SimError(400, '"url" is required')
    try:
        return check_web_app_link(url, sandbox.settings.test_environment)
    except UrlError as exc:
        raise SimError(400, f"Web App {exc}") from exc


def launch(
    sandbox: Sandbox,
    bot: BotState,
    user: SimUser,
    url: str,
    *,
    source: str,
    start_param: str = "",
    theme: str = "light",
) -> dict[str, Any]:
    """Return the launch a Telegram client opens: URL with the signed initData, and its parts.

    query_id comes with launches that can answer with answerWebAppQuery (inline buttons, the
    menu button); chat_instance and chat_type with inline buttons and direct links, "sender"
    being the person's own chat with the bot.
    """
    fields: dict[str, str] = {}
    if source in ("inline_button", "menu"):
        fields["query_id"] = secrets.token_urlsafe(18)
    fields["user"] = init_data_user(user, bot.allows_write(user.id))
    if source in ("inline_button", "link"):
        fields["chat_instance"] = chat_instance(bot, user)
        fields["chat_type"] = "sender"
    if start_param:
        fields["start_param"] = start_param
    fields["auth_date"] = str(int(time.time()))
    init_data = query_string(signed_fields(fields, bot.id, bot.token, sandbox.webapp_key))
    theme_params = THEMES[theme]
    return {
        "url": launch_url(url, init_data, theme_params, start_param),
        "init_data": init_data,
        "theme_params": theme_params,
        # Not Telegram's: which bot the app belongs to, for the chat page's panel header.
        "bot": {"id": bot.id, "username": bot.username, "first_name": bot.display_name()},
    }


@sim_route
async def public_key(request: Request) -> Response:
    """GET /sim/webapp/key: the public half of the key signing initData (64 hex characters)."""
    return JSONResponse({"public_key": public_key_hex(sandbox_of(request).webapp_key)})


@sim_route
async def themes(request: Request) -> Response:
    """GET /sim/webapp/themes: the light and dark themeParams launches carry."""
    return JSONResponse(THEMES)


@sim_route
async def open_web_app(request: Request) -> Response:
    """POST /sim/users/{id}/webapp: the person opens a Mini App from a button or the menu."""
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    body = await json_body(request)
    source = body.get("source") or "inline_button"
    if source not in SOURCES:
        raise SimError(400, f'"source" must be one of {", ".join(SOURCES)}')
    url = _web_app_url(sandbox, body.get("url"))
    start_param = _start_param(body.get("start_param"), "start_param")
    return JSONResponse(
        launch(sandbox, bot, user, url, source=source, start_param=start_param, theme=_theme(body))
    )


def _bot_by_username(sandbox: Sandbox, username: str) -> BotState:
    wanted = username.removeprefix("@").lower()
    bot = bot_by_username(sandbox, wanted)
    if bot is None:
        raise SimError(404, f"no bot @{wanted}; a bot is known once it has called the Bot API")
    return bot


def _find_app(bot: BotState, short_name: str) -> str | None:
    """Return the name of the bot's Mini App called `short_name` (case-insensitive), if any."""
    return next((name for name in bot.web_apps if name.lower() == short_name.lower()), None)


def _app_json(short_name: str, url: str) -> dict[str, str]:
    return {"short_name": short_name, "url": url}


@sim_route
async def register_app(request: Request) -> Response:
    """POST /sim/bots/{bot_username}/apps: BotFather's /newapp (again: /editapp, a new URL)."""
    sandbox = sandbox_of(request)
    bot = _bot_by_username(sandbox, request.path_params["bot_username"])
    body = await json_body(request)
    short_name = body.get("short_name")
    if not isinstance(short_name, str) or not SHORT_NAME_RE.fullmatch(short_name):
        raise SimError(400, '"short_name" must be 3-30 characters of A-Z, a-z, 0-9 and "_"')
    url = _web_app_url(sandbox, body.get("url"))
    known = _find_app(bot, short_name)
    if known is not None:
        del bot.web_apps[known]
    bot.web_apps[short_name] = url
    sandbox.note_bot(bot)
    return JSONResponse(_app_json(short_name, url))


@sim_route
async def list_apps(request: Request) -> Response:
    """GET /sim/bots/{bot_username}/apps: the bot's Mini Apps, in the order they were made."""
    bot = _bot_by_username(sandbox_of(request), request.path_params["bot_username"])
    return JSONResponse([_app_json(name, url) for name, url in bot.web_apps.items()])


def parse_direct_link(link: str) -> tuple[str, str, str | None]:
    """Return (bot username, app short name, startapp or None) of a Mini App direct link.

    t.me/<bot>/<app>?startapp=<param> (also telegram.me, telegram.dog, http or https) and
    tg://resolve?domain=<bot>&appname=<app>&startapp=<param>.
    """
    parts = urlsplit(link.strip())
    query = parse_qs(parts.query, keep_blank_values=True)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme == "tg" and host == "resolve":
        bot, app = query.get("domain", [""])[0], query.get("appname", [""])[0]
    elif scheme in ("http", "https") and host in LINK_HOSTS:
        segments = [segment for segment in parts.path.split("/") if segment]
        match segments:
            case [bot, app]:
                pass
            case [bot]:  # t.me/<bot>: the bot's main Mini App
                app = ""
            case _:  # none, or more than t.me/<bot>/<app>: not a bot's username
                bot, app = "", ""
    else:
        raise SimError(400, "not a Mini App link: expected https://t.me/<bot>/<app>?startapp=…")
    if not BOT_USERNAME_RE.fullmatch(bot) or not bot.lower().endswith("bot"):
        raise SimError(400, f"not a Mini App link: {bot!r} is not a bot's username")
    if not app:
        raise SimError(404, "links to a bot's main Mini App are not simulated; name the app")
    startapp = query.get("startapp")
    return bot, app, startapp[0] if startapp else None


@sim_route
async def open_link(request: Request) -> Response:
    """POST /sim/users/{id}/open-link: the person opens t.me/<bot>/<app>?startapp=… ."""
    sandbox, user = sandbox_of(request), find_user(request)
    body = await json_body(request)
    link = body.get("url")
    if not isinstance(link, str) or not link:
        raise SimError(400, '"url" is required')
    username, short_name, startapp = parse_direct_link(link)
    bot = _bot_by_username(sandbox, username)
    app = _find_app(bot, short_name)
    if app is None:
        raise SimError(404, f"@{bot.username} has no Mini App {short_name!r} (POST …/apps)")
    start_param = _start_param(startapp, "startapp")
    return JSONResponse(
        launch(
            sandbox,
            bot,
            user,
            bot.web_apps[app],
            source="link",
            start_param=start_param,
            theme=_theme(body),
        )
    )


def _prepared(request: Request, bot: BotState, user: SimUser) -> PreparedMessage:
    """The person's prepared message named in the path: 404 unknown, 410 expired."""
    prepared = bot.prepared_messages.get(request.path_params["prepared_id"])
    if prepared is None or prepared.user_id != user.id:
        raise SimError(404, "no such prepared message for this user")
    if prepared.expiration_date <= time.time():
        raise SimError(410, "the prepared message has expired")
    return prepared


@sim_route
async def get_prepared(request: Request) -> Response:
    """GET /sim/users/{id}/prepared-messages/{prepared_id}: what shareMessage would share."""
    user, bot = find_user(request), require_bot(request)
    return JSONResponse(_prepared(request, bot, user).sim_json())


@sim_route
async def send_prepared(request: Request) -> Response:
    """POST /sim/users/{id}/prepared-messages/{prepared_id}/send: share it with `to_user`."""
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    body = await json_body(request)
    prepared = _prepared(request, bot, user)
    recipient = sandbox.users.get(int_field(body, "to_user"))
    if recipient is None:
        raise SimError(404, 'no such "to_user"; create it with POST /sim/users')
    if not prepared.chat_types.get("allow_user_chats"):
        raise SimError(400, "the bot did not allow this message in private chats with users")
    message = deliver_inline_result(
        sandbox, bot, user, recipient, prepared.result, prepared.message
    )
    return JSONResponse(transcript_entry(message))


@sim_route
async def request_write_access(request: Request) -> Response:
    """POST /sim/users/{id}/write-access: the person allows the bot to message them.

    As a Telegram client does for a Mini App's requestWriteAccess: "allowed" at once if the bot
    may already write; else the person allows it, and the bot gets the service message
    write_access_allowed {"from_request": true}. A person who blocked the bot declines.
    """
    sandbox, user, bot = sandbox_of(request), find_user(request), require_bot(request)
    if user.id in bot.blocked:
        return JSONResponse({"status": "cancelled"})
    if user.id not in bot.write_access:
        bot.write_access.add(user.id)
        sandbox.note_bot(bot)
        message = add_message(
            sandbox,
            bot,
            user.id,
            "user",
            user.api_user(),
            service={"write_access_allowed": {"from_request": True}},
        )
        sandbox.enqueue_update(bot, "message", api_message(sandbox, bot, message))
    return JSONResponse({"status": "allowed"})
