"""Bot API methods about the bot and its chats: getMe, getChat, commands, menu button, files."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.chats import resolve_user_chat
from sandbox.errors import BotApiError, bad_request
from sandbox.registry import Call, bot_method
from sandbox.state import BotState

COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
PROFILE_FIELDS = {"name": 64, "description": 512, "short_description": 120}


@bot_method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    """Return the bot's own User."""
    return call.bot.api_user()


@bot_method("logOut", "close")
async def log_out(call: Call) -> bool:
    """Accept logOut/close (nothing to do locally)."""
    return True


@bot_method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    """Return a ChatFullInfo for a person's private chat."""
    user = resolve_user_chat(call.sandbox, call.params.get("chat_id"))
    chat = user.api_chat()
    chat.update(
        {
            "accent_color_id": user.id % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    return chat


@bot_method("getChatMember")
async def get_chat_member(call: Call) -> dict[str, Any]:
    """Return the membership of a person (or the bot) in a private chat."""
    user = resolve_user_chat(call.sandbox, call.params.get("chat_id"))
    user_id = call.params.integer("user_id")
    if user_id == call.bot.id:
        return {"status": "member", "user": call.bot.api_user()}
    if user_id != user.id:
        raise bad_request("user not found")
    return {"status": "member", "user": user.api_user()}


def scope_key(call: Call) -> str:
    """Return a canonical key for the BotCommandScope of a call (default scope if absent)."""
    scope = call.params.json("scope", "Bad Request: can't parse BotCommandScope JSON object")
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"] in ("chat", "chat_administrators", "chat_member"):
        return f"{scope['type']}:{scope.get('chat_id')}:{scope.get('user_id', '')}"
    return scope["type"]


def _language(call: Call) -> str:
    language = call.params.text("language_code") or ""
    if language and not re.match(r"^[a-z]{2}$", language):
        raise bad_request("invalid language code specified")
    return language


@bot_method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    """Store the command menu for a scope and language (an empty list deletes it)."""
    commands = call.params.json("commands", "Bad Request: can't parse commands JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    checked = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse commands JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not COMMAND_RE.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    key = (scope_key(call), _language(call))
    if checked:
        call.bot.commands[key] = checked
    else:
        call.bot.commands.pop(key, None)
    return True


@bot_method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, str]]:
    """Return the commands stored for exactly this scope and language."""
    return call.bot.commands.get((scope_key(call), _language(call)), [])


@bot_method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    """Delete the commands of a scope and language."""
    call.bot.commands.pop((scope_key(call), _language(call)), None)
    return True


def commands_for_user(bot: BotState, user_id: int, language: str) -> list[dict[str, str]]:
    """Return the menu a Telegram client would show this person (most specific scope first)."""
    # A client asks for its own language ("pt-br" also tries "pt"), then the default ("").
    languages = dict.fromkeys([language.lower(), language.lower().split("-")[0], ""])
    for scope in (f"chat:{user_id}:", "all_private_chats", "default"):
        for lang in languages:
            commands = bot.commands.get((scope, lang))
            if commands:
                return commands
    return []


@bot_method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    """Store the menu button for one chat or (no chat_id) the default one."""
    chat_id = None
    if call.params.has("chat_id"):
        chat_id = resolve_user_chat(call.sandbox, call.params.get("chat_id")).id
    button = call.params.json("menu_button", "Bad Request: can't parse menu button JSON object")
    if button is None:
        button = {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    call.bot.menu_buttons[chat_id] = button
    return True


@bot_method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    """Return the menu button of a chat, else the default one."""
    chat_id = call.params.integer("chat_id")
    buttons = call.bot.menu_buttons
    return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}


def _profile_method(field: str) -> None:
    """Register setMy<Field>/getMy<Field> storing one text per language."""
    camel = "".join(part.capitalize() for part in field.split("_"))

    @bot_method(f"setMy{camel}")
    async def set_text(call: Call) -> bool:
        text = call.params.text(field) or ""
        if len(text) > PROFILE_FIELDS[field]:
            raise bad_request(f"bot {field.replace('_', ' ')} is too long")
        call.bot.profile.setdefault(field, {})[_language(call)] = text
        return True

    @bot_method(f"getMy{camel}")
    async def get_text(call: Call) -> dict[str, str]:
        texts = call.bot.profile.get(field, {})
        language = _language(call)
        default = call.bot.first_name if field == "name" else ""
        return {field: texts.get(language) or texts.get("") or default}


for _field in PROFILE_FIELDS:
    _profile_method(_field)


@bot_method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    """Return a File with the path to download it from /file/bot<token>/<path>."""
    file_id = call.params.text("file_id") or ""
    stored = call.sandbox.files.get(file_id)
    if stored is None:
        raise BotApiError(400, "Bad Request: invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
    }


def summarize(params: dict[str, Any]) -> dict[str, Any]:
    """Return call parameters shortened for the call log (files as a size note)."""
    summary: dict[str, Any] = {}
    for key, value in params.items():
        if hasattr(value, "content") and hasattr(value, "filename"):
            summary[key] = f"<file {value.filename or ''} {len(value.content)} bytes>"
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        summary[key] = text if len(text) <= 300 else text[:300] + "…"
    return summary
