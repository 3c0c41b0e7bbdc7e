"""Bot API methods about the bot and its chats: getMe, getChat, commands, menu button, files."""

from __future__ import annotations

from typing import Any

from sandbox import tdjson
from sandbox.chats import resolve_user_chat
from sandbox.errors import td_error
from sandbox.formatting import clean_input_string
from sandbox.links import checked_web_app_url
from sandbox.params import Params
from sandbox.registry import Call, bot_method
from sandbox.state import BotState
from sandbox.tdjson import JsonError, is_utf8

MAX_COMMANDS = 100
MAX_COMMAND = 32
MAX_COMMAND_DESCRIPTION = 256
COMMAND_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
# Telegram's documented limits (0-64, 0-512, 0-120 characters); the texts are the sandbox's.
PROFILE_FIELDS = {"name": 64, "description": 512, "short_description": 120}
MAX_DOWNLOAD_BYTES = 20 << 20  # Client::MAX_DOWNLOAD_FILE_SIZE
SCOPE_TYPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
CHAT_SCOPE_TYPES = ("chat", "chat_administrators", "chat_member")


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
    user = resolve_user_chat(call.sandbox, call.params.arg("chat_id"))
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


def user_id_argument(params: Params, name: str = "user_id") -> int:
    """Client::get_user_id: a positive number, else "Invalid <name> specified"."""
    user_id = max(params.int64(name), 0)
    if user_id == 0:
        raise td_error(400, f"Invalid {name} specified")
    return user_id


@bot_method("getChatMember")
async def get_chat_member(call: Call) -> dict[str, Any]:
    """Return the membership of a person (or the bot) in a private chat."""
    user_id = user_id_argument(call.params)
    user = resolve_user_chat(call.sandbox, call.params.arg("chat_id"))
    if user_id == call.bot.id:
        return {"status": "member", "user": call.bot.api_user()}
    if user_id != user.id:
        # td's DialogParticipantManager: a private chat has only its two members.
        raise td_error(400, "Member not found")
    return {"status": "member", "user": user.api_user()}


def scope_key(call: Call) -> str:
    """Client::get_bot_command_scope, check_bot_command_scope and td's BotCommandScope checks."""
    raw = call.params.arg("scope")
    if not raw:
        return "default"
    try:
        scope = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse BotCommandScope JSON object") from exc
    try:
        if not isinstance(scope, dict):
            raise JsonError("BotCommandScope must be an Object")
        kind = tdjson.req_str(scope, "type")
        if kind in SCOPE_TYPES:
            return kind
        if kind not in CHAT_SCOPE_TYPES:
            raise JsonError("Unsupported type specified")
        chat_id = tdjson.req_str(scope, "chat_id")
        if not chat_id:
            raise JsonError("Empty chat_id specified")
        user_id = 0
        if kind == "chat_member":
            user_id = tdjson.req_int(scope, "user_id", bits=64)
            if user_id <= 0:
                raise JsonError("Invalid user_id specified")
    except JsonError as exc:
        raise td_error(400, f"Can't parse BotCommandScope: {exc}") from exc
    user = resolve_user_chat(call.sandbox, chat_id)
    if kind != "chat":
        raise td_error(400, "Can't use specified scope in private chats")
    return f"chat:{user.id}:{user_id or ''}"


def _language(call: Call) -> str:
    """td's validate_bot_language_code: empty or two lower-case Latin letters."""
    language = call.params.arg("language_code")
    if language and not (len(language) == 2 and all("a" <= c <= "z" for c in language)):
        raise td_error(400, "Invalid language code specified")
    return language


def _commands(params: Params) -> list[tuple[str, str]]:
    """Client::get_bot_commands: a JSON array of {command, description} strings."""
    raw = params.arg("commands")
    if not raw:
        return []
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse commands JSON object") from exc
    if not isinstance(value, list):
        raise td_error(400, "Expected an Array of BotCommand")
    commands = []
    for item in value:
        try:
            if not isinstance(item, dict):
                raise JsonError("expected an Object")
            commands.append((tdjson.req_str(item, "command"), tdjson.req_str(item, "description")))
        except JsonError as exc:
            raise td_error(400, f"Can't parse BotCommand: {exc}") from exc
    return commands


def _checked_commands(commands: list[tuple[str, str]]) -> list[dict[str, str]]:
    """td's set_commands (trim, a leading "/" dropped, lengths) then Telegram's servers."""
    checked = []
    for raw_command, raw_description in commands:
        cleaned_command = clean_input_string(raw_command)
        cleaned_description = clean_input_string(raw_description)
        if cleaned_command is None:
            raise td_error(400, "Command must be encoded in UTF-8")
        if cleaned_description is None:
            raise td_error(400, "Command description must be encoded in UTF-8")
        command = cleaned_command.strip(" \t\r\n\0\v").removeprefix("/")
        if not command:
            raise td_error(400, "Command must be non-empty")
        if len(command) > MAX_COMMAND:
            raise td_error(400, f"Command length must not exceed {MAX_COMMAND}")
        description = cleaned_description.strip(" \t\r\n\0\v")
        if not description:
            raise td_error(400, "Command description must be non-empty")
        if len(description) > MAX_COMMAND_DESCRIPTION:
            raise td_error(
                400, f"Command description length must not exceed {MAX_COMMAND_DESCRIPTION}"
            )
        checked.append({"command": command, "description": description})
    if len(checked) > MAX_COMMANDS:  # Telegram's servers: at most 100 commands
        raise td_error(400, "BOT_COMMANDS_TOO_MUCH")
    for item in checked:
        if not set(item["command"]) <= COMMAND_CHARS:  # lower-case letters, digits, "_"
            raise td_error(400, "BOT_COMMAND_INVALID")
    return checked


@bot_method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    """Store the command menu for a scope and language (an empty list deletes it)."""
    commands = _commands(call.params)
    key = (scope_key(call), _language(call))
    checked = _checked_commands(commands)
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


def _menu_button(params: Params) -> dict[str, Any]:
    """Client::get_bot_menu_button, then td's set_menu_button checks."""
    raw = params.arg("menu_button")
    if not raw:
        return {"type": "default"}
    try:
        value = tdjson.decode(raw)
    except JsonError as exc:
        raise td_error(400, "Can't parse menu button JSON object") from exc
    try:
        if not isinstance(value, dict):
            raise JsonError("MenuButton must be an Object")
        kind = tdjson.req_str(value, "type")
        if kind in ("default", "commands"):
            return {"type": kind}
        if kind != "web_app":
            raise JsonError("MenuButton has unsupported type")
        text = tdjson.req_str(value, "text")
        web_app = tdjson.req_field(value, "web_app", "Object")
        url = tdjson.req_str(web_app, "url")
    except JsonError as exc:
        raise td_error(400, f"Can't parse menu button: {exc}") from exc
    return {"type": "web_app", "text": text, "web_app": {"url": url}}


def _td_menu_button(button: dict[str, Any], test_environment: bool) -> dict[str, Any]:
    """td's set_menu_button: the text, then the URL (check_link(url, true, !is_test_dc()))."""
    if button["type"] != "web_app":
        return button
    text, url = clean_input_string(button["text"]), button["web_app"]["url"]
    if not button["text"]:
        raise td_error(400, "Menu button text must be non-empty")
    if text is None:
        raise td_error(400, "Menu button text must be encoded in UTF-8")
    if not is_utf8(url):
        raise td_error(400, "Menu button URL must be encoded in UTF-8")
    checked = checked_web_app_url(url, test_environment, "Menu button Web App")
    return {"type": "web_app", "text": text, "web_app": {"url": checked}}


def _menu_chat(call: Call) -> int | None:
    """The chat of a menu button call: none for the default, else a known person (check_user)."""
    if not call.params.has("chat_id"):
        return None
    user_id = user_id_argument(call.params, "chat_id")
    if user_id not in call.sandbox.users:
        raise td_error(400, "user not found")
    return user_id


@bot_method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    """Store the menu button for one chat or (no chat_id) the default one."""
    button = _menu_button(call.params)
    chat_id = _menu_chat(call)
    call.bot.menu_buttons[chat_id] = _td_menu_button(button, call.test_environment)
    # Chat pages redraw the menu button beside the input (None: every chat without its own).
    call.sandbox.emit({"type": "menu_button", "user_id": chat_id, "bot_id": call.bot.id})
    return True


def menu_button_for(bot: BotState, chat_id: int | None) -> dict[str, Any]:
    """Return the menu button of a chat, else the bot's default one, else Telegram's default."""
    buttons = bot.menu_buttons
    return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}


@bot_method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    """Return the menu button of a chat, else the default one."""
    return menu_button_for(call.bot, _menu_chat(call))


def _profile_method(field: str) -> None:
    """Register setMy<Field>/getMy<Field> storing one text per language."""
    camel = "".join(part.capitalize() for part in field.split("_"))

    @bot_method(f"setMy{camel}")
    async def set_text(call: Call) -> bool:
        text = clean_input_string(call.params.arg(field))
        if text is None:  # td's CLEAN_INPUT_STRING
            raise td_error(400, "Strings must be encoded in UTF-8")
        language = _language(call)
        if len(text) > PROFILE_FIELDS[field]:
            raise td_error(400, f"bot {field.replace('_', ' ')} is too long")
        call.bot.profile.setdefault(field, {})[language] = text
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
    file_id = call.params.arg("file_id")
    if not file_id:
        raise td_error(400, "file_id not specified")
    stored = call.sandbox.files.get(file_id)
    if stored is None:
        raise td_error(400, "invalid file_id")
    if len(stored.content) > MAX_DOWNLOAD_BYTES:
        raise td_error(400, "file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
    }
