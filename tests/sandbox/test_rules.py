"""Every refusal rule of the sandbox against the official server (Client.cpp) and td.

One case per rule, named by its id in sandbox/README.md ("Refusal rules"). Refusals check the
exact code and description and that nothing was sent; accepted cases check what Telegram keeps.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import pytest
import telegram
from telegram import InlineKeyboardMarkup

from sandbox.server import SandboxServer
from tests.sandbox.harness import Api, async_wait_until, wait_until

KEYBOARD = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
REPLY_KEYBOARD = {"keyboard": [["Yes", "No"]]}
SURROGATE = "\ud800"  # sent as the JSON escape "\\ud800": invalid UTF-8 once decoded by td


def _button(**fields: Any) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "a", **fields}]]}


# (method, parameters, error code, description); user 7 exists, nothing else.
REFUSALS = [
    # Formatted text: Client::get_input_message_text / get_formatted_text, td's fix_formatted_text.
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x" * 32769},
        400,
        "Bad Request: text is too long",
        id="text-over-32768-bytes",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "parse_mode": "HTML5"},
        400,
        "Bad Request: unsupported parse_mode",
        id="parse-mode-unsupported",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "parse_mode": " html"},
        400,
        "Bad Request: unsupported parse_mode",
        id="parse-mode-not-trimmed",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "<a href=http://e.x>l</a>", "parse_mode": "HTML"},
        400,
        "Bad Request: can't parse entities: Unexpected end of name token at byte offset 8",
        id="html-unquoted-value",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "<b/>", "parse_mode": "HTML"},
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "b/" at byte offset 0',
        id="html-self-closing",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "<tg-emoji>x</tg-emoji>", "parse_mode": "HTML"},
        400,
        "Bad Request: can't parse entities: Invalid custom emoji identifier specified",
        id="html-custom-emoji-id",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "&#xD83D;&#xDE00;", "parse_mode": "HTML"},
        400,
        "Bad Request: can't parse entities: Text contains invalid Unicode characters after "
        "decoding HTML entities, check for unmatched surrogate code units",
        id="html-surrogate-references",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "1.5", "parse_mode": "MarkdownV2"},
        400,
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with "
        "the preceding '\\'",
        id="markdown-v2-reserved",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "*bold", "parse_mode": "MarkdownV2"},
        400,
        "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
        id="markdown-v2-unclosed",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "snake_case", "parse_mode": "Markdown"},
        400,
        "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 5",
        id="markdown-unclosed",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "hi", "entities": [1]},
        400,
        "Bad Request: can't parse MessageEntity: expected an Object",
        id="entity-not-object",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "hi", "entities": [{"type": "shiny", "offset": 0, "length": 1}]},
        400,
        "Bad Request: can't parse MessageEntity: Unsupported type specified",
        id="entity-unknown-type",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "hi", "entities": [{"type": "bold", "offset": 0}]},
        400,
        "Bad Request: can't parse MessageEntity: Can't find field \"length\"",
        id="entity-missing-field",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "hi", "entities": [{"type": "bold", "offset": 5, "length": 1}]},
        400,
        "Bad Request: entity begins after the end of the text at UTF-16 offset 5",
        id="entity-after-text",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "hi", "entities": [{"type": "bold", "offset": 1, "length": 5}]},
        400,
        "Bad Request: entity beginning at UTF-16 offset 1 ends after the end of the text at "
        "UTF-16 offset 6",
        id="entity-past-text",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "😀x", "entities": [{"type": "bold", "offset": 1, "length": 2}]},
        400,
        "Bad Request: entity begins in a middle of a UTF-16 symbol at byte offset 4",
        id="entity-inside-surrogate-pair",
    ),
    pytest.param(
        "sendMessage",
        {
            "chat_id": 7,
            "text": "hi",
            "entities": [{"type": "text_link", "offset": 0, "length": 2, "url": "nowhere"}],
        },
        400,
        "Bad Request: entity URL 'nowhere' is invalid: Wrong HTTP URL",
        id="entity-text-link-url",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "hi", "entities": [{"type": "bold", "offset": -1, "length": 1}]},
        400,
        "Bad Request: receive an entity with incorrect offset -1",
        id="entity-negative-offset",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "link_preview_options": "{"},
        400,
        "Bad Request: can't parse link preview options JSON object",
        id="link-preview-not-json",
    ),
    # Keyboards: Client::get_reply_markup and td's get_reply_markup.
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": "null"},
        400,
        "Bad Request: object expected as reply markup",
        id="markup-not-object",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": {"inline_keyboard": {}}},
        400,
        'Bad Request: field "inline_keyboard" must be of type Array',
        id="markup-keyboard-not-array",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": {"inline_keyboard": [{}]}},
        400,
        'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of '
        "Arrays",
        id="markup-rows-not-arrays",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": {"inline_keyboard": [["a"]]}},
        400,
        "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object",
        id="inline-button-not-object",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": {"inline_keyboard": [[{"url": "e.x"}]]}},
        400,
        "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
        id="inline-button-no-text",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button()},
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
        "inline keyboard",
        id="inline-button-text-only",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(callback_data="")},
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
        "inline keyboard",
        id="callback-data-empty",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(callback_data="d", style="pink")},
        400,
        "Bad Request: can't parse inline keyboard button: invalid button style specified",
        id="inline-button-style",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(callback_data=SURROGATE)},
        400,
        "Bad Request: BUTTON_DATA_INVALID",
        id="callback-data-not-utf8",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(url="shop")},
        400,
        "Bad Request: inline keyboard button URL 'shop' is invalid: Wrong HTTP URL",
        id="button-url-no-dot",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(url="ftp://e.x/f")},
        400,
        "Bad Request: inline keyboard button URL 'ftp://e.x/f' is invalid: Unsupported URL "
        "protocol",
        id="button-url-protocol",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(text="\r", callback_data="d")},
        400,
        "Bad Request: inline keyboard button text must be non-empty",
        id="button-text-empty-after-cleaning",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(text=SURROGATE, callback_data="d")},
        400,
        "Bad Request: inline keyboard button text must be encoded in UTF-8",
        id="button-text-not-utf8",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": {"keyboard": [[1]]}},
        400,
        "Bad Request: can't parse keyboard button: KeyboardButton must be a String or an Object",
        id="keyboard-button-type",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": {"remove_keyboard": 1}},
        400,
        'Bad Request: field "remove_keyboard" must be of type Boolean',
        id="markup-flag-not-boolean",
    ),
    # Reply parameters: Client::get_reply_parameters / check_reply_parameters.
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_parameters": "{"},
        400,
        "Bad Request: can't parse reply parameters JSON object",
        id="reply-not-json",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_parameters": [1]},
        400,
        "Bad Request: object expected as reply parameters",
        id="reply-not-object",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_parameters": {"chat_id": 7}},
        400,
        'Bad Request: can\'t find field "message_id"',
        id="reply-no-message-id",
    ),
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_to_message_id": 5, "allow_sending_without_reply": "2"},
        400,
        "Bad Request: message to be replied not found",
        id="boolean-only-true-yes-1",
    ),
    # Chats: Client::check_chat.
    pytest.param(
        "sendMessage",
        {"chat_id": " 7", "text": "x"},
        400,
        "Bad Request: chat not found",
        id="chat-id-leading-space",
    ),
    # Media: Client::get_input_file, td's FileManager, Client::get_input_media.
    pytest.param(
        "sendPhoto",
        {"chat_id": 7},
        400,
        "Bad Request: there is no photo in the request",
        id="photo-missing",
    ),
    pytest.param(
        "sendPhoto",
        {"chat_id": 7, "photo": "attach://nothing"},
        400,
        "Bad Request: there is no photo in the request",
        id="photo-attach-missing",
    ),
    pytest.param(
        "sendPhoto",
        {"chat_id": 7, "photo": "AgACAgIAAx-unknown"},
        400,
        "Bad Request: wrong remote file identifier specified: Wrong padding in the string",
        id="file-id-foreign",
    ),
    pytest.param(
        "sendPhoto",
        {"chat_id": 7, "photo": "no such id!"},
        400,
        "Bad Request: wrong remote file identifier specified: Wrong character in the string",
        id="file-id-bad-character",
    ),
    pytest.param(
        "sendMediaGroup",
        {"chat_id": 7, "media": []},
        400,
        "Bad Request: there are no messages to send",
        id="album-empty",
    ),
    pytest.param(
        "sendMediaGroup",
        {"chat_id": 7, "media": {}},
        400,
        "Bad Request: expected an Array of InputMedia",
        id="album-not-array",
    ),
    pytest.param(
        "sendMediaGroup",
        {"chat_id": 7, "media": [{"type": "photo"}]},
        400,
        "Bad Request: can't parse InputMedia: media not found",
        id="album-media-missing",
    ),
    pytest.param(
        "sendMediaGroup",
        {"chat_id": 7, "media": [{"type": "sticker", "media": "x"}]},
        400,
        'Bad Request: can\'t parse InputMedia: type "sticker" is unsupported',
        id="album-type-unsupported",
    ),
    pytest.param(
        "sendMediaGroup",
        {"chat_id": 7, "media": [{"type": "animation", "media": "x"}]},
        400,
        "Bad Request: can't parse InputMedia: type \"animation\" can't be used in sendMediaGroup",
        id="album-animation",
    ),
    pytest.param(
        "sendMediaGroup",
        {"chat_id": 7, "media": [{"type": "video", "media": "x"}]},
        400,
        'Bad Request: can\'t parse InputMedia: type "video" is not implemented by the sandbox',
        id="album-video-not-implemented",
    ),
    pytest.param(
        "sendChatAction",
        {"chat_id": 7, "action": "dancing"},
        400,
        "Bad Request: wrong parameter action in request",
        id="chat-action-unknown",
    ),
    # Deleting: Client::process_delete_message(s)_query, get_message_ids.
    pytest.param(
        "deleteMessage",
        {"message_id": 1},
        400,
        "Bad Request: chat identifier is not specified",
        id="delete-no-chat",
    ),
    pytest.param(
        "deleteMessage",
        {"chat_id": 7, "message_id": "abc"},
        400,
        "Bad Request: message identifier is not specified",
        id="delete-no-message-id",
    ),
    pytest.param(
        "deleteMessages",
        {"chat_id": 7, "message_ids": []},
        400,
        "Bad Request: message identifiers are not specified",
        id="delete-many-empty",
    ),
    pytest.param(
        "deleteMessages",
        {"chat_id": 7, "message_ids": {}},
        400,
        "Bad Request: expected an Array of message identifiers",
        id="delete-many-not-array",
    ),
    pytest.param(
        "deleteMessages",
        {"chat_id": 7, "message_ids": list(range(1, 102))},
        400,
        "Bad Request: too many message identifiers specified",
        id="delete-many-too-many",
    ),
    pytest.param(
        "deleteMessages",
        {"chat_id": 7, "message_ids": [0]},
        400,
        "Bad Request: invalid message identifier specified",
        id="delete-many-zero",
    ),
    pytest.param(
        "deleteMessages",
        {"chat_id": 7, "message_ids": [1.5]},
        400,
        "Bad Request: can't parse message identifier as a Number",
        id="delete-many-not-integer",
    ),
    pytest.param(
        "deleteMessages",
        {"chat_id": 7, "message_ids": [True]},
        400,
        "Bad Request: message identifier must be a Number",
        id="delete-many-not-number",
    ),
    # Edits: Client::check_message.
    pytest.param(
        "editMessageText",
        {"chat_id": 7, "text": "x"},
        400,
        "Bad Request: message to edit not found",
        id="edit-no-message-id",
    ),
    pytest.param(
        "editMessageText",
        {"text": "x", "inline_message_id": "ZZZ"},
        400,
        "Bad Request: invalid inline message identifier specified",
        id="edit-inline-id-malformed",
    ),
    pytest.param(
        "editMessageText",
        {"text": "x", "inline_message_id": "SBXI00000099"},
        400,
        "Bad Request: MESSAGE_ID_INVALID",
        id="edit-inline-id-unknown",
    ),
    pytest.param(
        "editMessageText",
        {"text": "x"},
        400,
        "Bad Request: message identifier is not specified",
        id="edit-nothing-named",
    ),
    # Commands: Client::get_bot_commands / get_bot_command_scope, td's set_commands.
    pytest.param(
        "setMyCommands",
        {"commands": {}},
        400,
        "Bad Request: expected an Array of BotCommand",
        id="commands-not-array",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [{"command": "start"}]},
        400,
        "Bad Request: can't parse BotCommand: Can't find field \"description\"",
        id="command-no-description",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [{"command": "x" * 33, "description": "d"}]},
        400,
        "Bad Request: command length must not exceed 32",
        id="command-too-long",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [{"command": "start", "description": "  "}]},
        400,
        "Bad Request: command description must be non-empty",
        id="command-description-blank",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [{"command": "Start", "description": "d"}]},
        400,
        "Bad Request: BOT_COMMAND_INVALID",
        id="command-characters",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [{"command": f"c{i}", "description": "d"} for i in range(101)]},
        400,
        "Bad Request: BOT_COMMANDS_TOO_MUCH",
        id="commands-too-many",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [], "scope": {"type": "everyone"}},
        400,
        "Bad Request: can't parse BotCommandScope: Unsupported type specified",
        id="scope-unsupported",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [], "scope": {"type": "chat_administrators", "chat_id": 7}},
        400,
        "Bad Request: can't use specified scope in private chats",
        id="scope-private-chat",
    ),
    pytest.param(
        "setMyCommands",
        {"commands": [], "language_code": "EN"},
        400,
        "Bad Request: invalid language code specified",
        id="language-code",
    ),
    pytest.param(
        "setChatMenuButton",
        {"menu_button": {"type": "app"}},
        400,
        "Bad Request: can't parse menu button: MenuButton has unsupported type",
        id="menu-button-type",
    ),
    pytest.param(
        "setChatMenuButton",
        {"chat_id": "x"},
        400,
        "Bad Request: invalid chat_id specified",
        id="menu-button-chat-id",
    ),
    pytest.param(
        "getChatMenuButton",
        {"chat_id": 8},
        400,
        "Bad Request: user not found",
        id="menu-button-user",
    ),
    pytest.param(
        "getChatMember",
        {"chat_id": 7},
        400,
        "Bad Request: invalid user_id specified",
        id="member-no-user-id",
    ),
    pytest.param(
        "getChatMember",
        {"chat_id": 7, "user_id": 8},
        400,
        "Bad Request: member not found",
        id="member-not-in-private-chat",
    ),
    pytest.param(
        "getFile",
        {},
        400,
        "Bad Request: file_id not specified",
        id="file-id-missing",
    ),
    pytest.param(
        "setMyName",
        {"name": "n" * 65},
        400,
        "Bad Request: bot name is too long",
        id="profile-name-too-long",
    ),
    pytest.param(
        "setMyName",
        {"name": SURROGATE},
        400,
        "Bad Request: strings must be encoded in UTF-8",
        id="profile-not-utf8",
    ),
    # Inline mode: Client::get_inline_query_results(_button), td's InlineQueriesManager.
    pytest.param(
        "answerInlineQuery",
        {"inline_query_id": 1, "results": []},
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
        id="inline-query-unknown",
    ),
    pytest.param(
        "answerInlineQuery",
        {"inline_query_id": 1, "results": {}},
        400,
        "Bad Request: expected an Array of inline query results",
        id="inline-results-not-array",
    ),
    pytest.param(
        "answerInlineQuery",
        {"inline_query_id": 1, "results": [{"type": "article", "id": str(i)} for i in range(51)]},
        400,
        "Bad Request: too many inline query results specified",
        id="inline-results-too-many",
    ),
    pytest.param(
        "answerInlineQuery",
        {"inline_query_id": 1, "results": [{"type": "article", "id": "1", "title": "t"}]},
        400,
        "Bad Request: can't parse inline query result: Can't find field \"message_text\"",
        id="inline-article-no-content",
    ),
    pytest.param(
        "answerInlineQuery",
        {
            "inline_query_id": 1,
            "results": [{"type": "article", "id": "1", "input_message_content": {"x": 1}}],
        },
        400,
        "Bad Request: input message content is not specified",
        id="inline-content-unknown",
    ),
    pytest.param(
        "answerInlineQuery",
        {"inline_query_id": 1, "results": [{"type": "hologram", "id": "1"}]},
        400,
        'Bad Request: can\'t parse inline query result: type "hologram" is unsupported for the '
        "inline query result",
        id="inline-type-unsupported",
    ),
    pytest.param(
        "answerInlineQuery",
        {"inline_query_id": 1, "results": [], "button": {"text": "b", "start_parameter": "a b"}},
        400,
        "Bad Request: unallowed characters in start_parameter are used",
        id="inline-button-start-parameter",
    ),
    # Webhooks: Client::process_set_webhook_query / do_set_webhook.
    pytest.param(
        "setWebhook",
        {"url": "ftp://e.x/hook"},
        400,
        "Bad Request: invalid webhook URL specified",
        id="webhook-url",
    ),
    pytest.param(
        "setWebhook",
        {"url": "https://e.x/hook", "secret_token": "s" * 257},
        400,
        "Bad Request: secret token is too long",
        id="webhook-secret-too-long",
    ),
]


@pytest.mark.parametrize(("method", "params", "code", "description"), REFUSALS)
def test_refused(api: Api, method: str, params: dict, code: int, description: str) -> None:
    api.user(7)
    if any(isinstance(v, str) and SURROGATE in v for v in params.values()):
        # A form cannot carry a lone surrogate; a JSON body can ("\ud800").
        body = _send_json(api, method, params).json()
        assert (body["error_code"], body["description"]) == (code, description)
    else:
        assert api.error(method, **params) == (code, description)
    assert api.transcript(7)["messages"] == []


# Web App, login and menu button URLs: td's check_link(url, true, !G()->is_test_dc()) refuses
# plain HTTP outside Telegram's test environment, i.e. at /bot<token>/<method> (the test
# environment is /bot<token>/test/<method>).
OUTSIDE_THE_TEST_ENVIRONMENT = [
    pytest.param(
        "sendMessage",
        {"chat_id": 7, "text": "x", "reply_markup": _button(web_app={"url": "http://e.x/"})},
        400,
        "Bad Request: inline keyboard button Web App URL 'http://e.x/' is invalid: Only HTTPS "
        "links are allowed",
        id="button-web-app-https",
    ),
    pytest.param(
        "sendMessage",
        {
            "chat_id": 7,
            "text": "x",
            "reply_markup": {"keyboard": [[{"text": "a", "web_app": {"url": "http://e.x"}}]]},
        },
        400,
        "Bad Request: keyboard button Web App URL 'http://e.x' is invalid: Only HTTPS links "
        "are allowed",
        id="keyboard-web-app-https",
    ),
    pytest.param(
        "setChatMenuButton",
        {"menu_button": {"type": "web_app", "text": "Go", "web_app": {"url": "http://e.x/"}}},
        400,
        "Bad Request: menu button Web App URL 'http://e.x/' is invalid: Only HTTPS links are "
        "allowed",
        id="menu-button-https",
    ),
    pytest.param(
        "sendMessage",
        {
            "chat_id": 7,
            "text": "x",
            "reply_markup": _button(login_url={"url": "http://e.x/login"}),
        },
        400,
        "Bad Request: inline keyboard button login URL 'http://e.x/login' is invalid: Only HTTPS "
        "links are allowed",
        id="login-url-https",
    ),
    pytest.param(
        "answerInlineQuery",
        {
            "inline_query_id": 1,
            "results": [],
            "button": {"text": "Open", "web_app": {"url": "http://e.x/app"}},
        },
        400,
        "Bad Request: inline query button Web App URL 'http://e.x/app' is invalid: Only HTTPS "
        "links are allowed",
        id="inline-results-button-https",
    ),
]


@pytest.mark.parametrize(("method", "params", "code", "description"), OUTSIDE_THE_TEST_ENVIRONMENT)
def test_refused_outside_the_test_environment(
    api: Api, method: str, params: dict, code: int, description: str
) -> None:
    api.user(7)
    assert api.error(method, **params) == (code, description)
    assert api.transcript(7)["messages"] == []


def test_http_web_app_urls_are_accepted_in_the_test_environment(api: Api) -> None:
    """In Telegram's test environment a Mini App on http://127.0.0.1 is fine."""
    api.user(7)
    api.test_environment = True
    app = "http://127.0.0.1:8000/app?x=1"
    sent = api.ok(
        "sendMessage",
        chat_id=7,
        text="x",
        reply_markup={
            "inline_keyboard": [
                [{"text": "Open", "web_app": {"url": app}}],
                [{"text": "Log in", "login_url": {"url": "http://127.0.0.1:8000/login"}}],
            ]
        },
    )
    rows = sent["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["web_app"] == {"url": app}
    assert rows[1][0]["login_url"]["url"] == "http://127.0.0.1:8000/login"
    api.ok(
        "sendMessage",
        chat_id=7,
        text="y",
        reply_markup={
            "keyboard": [[{"text": "Open", "web_app": {"url": "http://127.0.0.1:8000"}}]]
        },
    )
    keyboard = api.transcript(7)["messages"][-1]["reply_markup"]["keyboard"]
    assert keyboard[0][0]["web_app"] == {"url": "http://127.0.0.1:8000"}  # kept as given, like td
    button = {"type": "web_app", "text": "Shop", "web_app": {"url": app}}
    assert api.ok("setChatMenuButton", chat_id=7, menu_button=button) is True
    assert api.ok("getChatMenuButton", chat_id=7) == button
    # Still HTTP(S) only: check_link(url, http_only=true, …).
    assert api.error(
        "sendMessage",
        chat_id=7,
        text="z",
        reply_markup=_button(web_app={"url": "tg://resolve?domain=x"}),
    ) == (
        400,
        "Bad Request: inline keyboard button Web App URL 'tg://resolve?domain=x' is invalid: "
        "Only HTTP links are allowed",
    )


def _send_json(api: Api, method: str, body: Any) -> httpx.Response:
    return api.http.post(
        f"/bot{api.token}/{method}",
        content=body if isinstance(body, str) else json.dumps(body),
        headers={"Content-Type": "application/json"},
    )


def _messages(api: Api, user_id: int = 7) -> list[dict]:
    return api.transcript(user_id)["messages"]


# --- Accepted as Telegram accepts ---------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param({}, id="markup-empty-object"),
        pytest.param({"inline_keyboard": []}, id="markup-no-rows"),
        pytest.param({"inline_keyboard": [[]]}, id="markup-empty-row"),
        pytest.param(
            {"inline_keyboard": [[{"text": "", "callback_data": "x"}]]}, id="markup-empty-button"
        ),
        pytest.param({"keyboard": []}, id="markup-empty-reply-keyboard"),
        pytest.param("", id="markup-empty-string"),
    ],
)
def test_empty_markup_means_no_keyboard(api: Api, markup: Any) -> None:
    """Client::get_reply_markup gives no markup; td drops empty buttons, rows and keyboards."""
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="hi", reply_markup=markup)
    assert "reply_markup" not in sent
    assert _messages(api)[0]["reply_markup"] is None


async def test_ptb_empty_inline_keyboard_is_sent_without_keyboard(
    api: Api, bot: telegram.Bot
) -> None:
    """The reported bug: PTB serialises InlineKeyboardMarkup([]) as {}, which Telegram accepts."""
    api.user(7)
    message = await bot.send_message(7, "your cart is empty", reply_markup=InlineKeyboardMarkup([]))
    assert message.reply_markup is None
    assert _messages(api)[0]["text"] == "your cart is empty"


def test_markup_as_json_object_or_json_string_in_a_json_body(api: Api) -> None:
    """A JSON body's non-string values are taken as their JSON text, so both forms work."""
    api.user(7)
    for markup in (KEYBOARD, json.dumps(KEYBOARD)):
        body = {"chat_id": 7, "text": "x", "reply_markup": markup}
        assert _send_json(api, "sendMessage", body).json()["result"]["reply_markup"] == KEYBOARD


def test_json_body_numbers_and_booleans_count_as_their_text(api: Api) -> None:
    api.user(7)
    body = '{"chat_id": 7, "text": 12.50, "disable_notification": true}'
    assert _send_json(api, "sendMessage", body).json()["result"]["text"] == "12.50"


def test_broken_json_body_keeps_the_parameters_before_the_error(api: Api) -> None:
    """The server only logs a JSON body that stops parsing and goes on with what it read."""
    api.user(7)
    sent = _send_json(api, "sendMessage", '{"chat_id": 7, "text": "kept", oops')
    assert sent.json()["result"]["text"] == "kept"
    assert _send_json(api, "sendMessage", "[1, 2]").json()["description"] == (
        "Bad Request: message text is empty"
    )


def test_query_string_wins_over_the_body(api: Api) -> None:
    """Query::arg finds the first parameter of a name, and the URL's come first."""
    api.user(7)
    response = api.http.post(
        f"/bot{api.token}/sendMessage?text=from-url", data={"chat_id": "7", "text": "from-body"}
    )
    assert response.json()["result"]["text"] == "from-url"


def test_numbers_are_read_leniently(api: Api) -> None:
    """td::to_integer: "7abc" is 7; Client::get_message_id: "abc" is 0."""
    api.user(7)
    sent = api.ok("sendMessage", chat_id="7abc", text="x")
    assert sent["chat"]["id"] == 7
    assert api.error("editMessageText", chat_id=7, message_id="abc", text="y") == (
        400,
        "Bad Request: message to edit not found",
    )


def test_booleans_are_true_yes_or_1(api: Api) -> None:
    """Client::to_bool after trimming and lower-casing."""
    api.user(7)
    for value in ("true", " YES ", "1"):
        api.ok(
            "sendMessage",
            chat_id=7,
            text="x",
            reply_to_message_id=99,
            allow_sending_without_reply=value,
        )
    assert len(_messages(api)) == 3


def test_text_is_cleaned_and_trimmed_like_td(api: Api) -> None:
    """Control characters become spaces, "\\r" goes, only spaces and newlines are trimmed."""
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="\n a\rb\tc\u3000 \n")
    assert sent["text"] == "a" + "b c\u3000"


def test_html_rules_td_accepts(api: Api) -> None:
    api.user(7)
    sent = api.ok(
        "sendMessage",
        chat_id=7,
        text='<b data-x>x</b> <a>e.x</a> <a href="javascript:x">j</a> &lt &LT; <i>i</>',
        parse_mode="html",
    )
    assert sent["text"] == "x e.x j < &LT; i"
    assert sent["entities"] == [
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "text_link", "offset": 2, "length": 3, "url": "http://e.x/"},
        {"type": "italic", "offset": 15, "length": 1},
    ]


def test_markdown_v2_is_parsed(api: Api) -> None:
    api.user(7)
    sent = api.ok(
        "sendMessage", chat_id=7, text="*b* __u__ [l](https://e.x) 1\\.5", parse_mode="MarkdownV2"
    )
    assert sent["text"] == "b u l 1.5"
    assert [e["type"] for e in sent["entities"]] == ["bold", "underline", "text_link"]


def test_entities_are_ignored_with_a_parse_mode_or_when_not_json(api: Api) -> None:
    api.user(7)
    bold = [{"type": "bold", "offset": 0, "length": 1}]
    assert "entities" not in api.ok(
        "sendMessage", chat_id=7, text="x", parse_mode="HTML", entities=bold
    )
    assert "entities" not in api.ok("sendMessage", chat_id=7, text="x", entities="{not json")
    assert api.ok("sendMessage", chat_id=7, text="x", entities=bold)["entities"] == bold


def test_lone_surrogates_are_not_utf8(api: Api) -> None:
    """td checks UTF-8 with different texts with and without a parse mode."""
    api.user(7)
    plain = {"chat_id": 7, "text": "a" + SURROGATE}
    assert _send_json(api, "sendMessage", plain).json()["description"] == (
        "Bad Request: strings must be encoded in UTF-8"
    )
    html = {**plain, "parse_mode": "HTML"}
    assert _send_json(api, "sendMessage", html).json()["description"] == (
        "Bad Request: text must be encoded in UTF-8"
    )
    # Undecodable bytes in a form body are the same to td.
    form = api.http.post(
        f"/bot{api.token}/sendMessage",
        content=b"chat_id=7&text=a%FF",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.json()["description"] == "Bad Request: strings must be encoded in UTF-8"
    assert _messages(api) == []


def test_button_rules_td_accepts(api: Api) -> None:
    """First action field wins; URLs normalised; at most 12 buttons a row; keyboard beats inline."""
    api.user(7)
    markup = {
        "inline_keyboard": [
            [{"text": "both", "url": "https://Shop.Example", "callback_data": "ignored"}],
            [{"text": " ", "callback_data": "blank-text"}],
            [{"text": str(i), "callback_data": str(i)} for i in range(13)],
        ]
    }
    sent = api.ok("sendMessage", chat_id=7, text="x", reply_markup=markup)
    rows = sent["reply_markup"]["inline_keyboard"]
    assert rows[0] == [{"text": "both", "url": "https://shop.example/"}]
    assert rows[1] == [{"text": " ", "callback_data": "blank-text"}]
    assert len(rows[2]) == 12
    both = {**REPLY_KEYBOARD, **KEYBOARD}
    api.ok("sendMessage", chat_id=7, text="y", reply_markup=both)
    assert "keyboard" in _messages(api)[-1]["reply_markup"]


def test_reply_parameters_empty_object_is_no_reply(api: Api) -> None:
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="x", reply_parameters={})
    assert "reply_to_message" not in sent


def test_a_single_item_album_is_a_plain_message(api: Api, png: bytes) -> None:
    api.user(7)
    upload = api.http.post(
        f"/bot{api.token}/sendMediaGroup",
        data={"chat_id": "7", "media": json.dumps([{"type": "photo", "media": "attach://p"}])},
        files={"p": ("p.png", png, "image/png")},
    )
    (message,) = upload.json()["result"]
    assert "media_group_id" not in message


def test_album_limits_are_tds(api: Api, png: bytes) -> None:
    api.user(7)
    upload = api.http.post(
        f"/bot{api.token}/sendPhoto", data={"chat_id": "7"}, files={"photo": ("p.png", png)}
    )
    photo_id = upload.json()["result"]["photo"][-1]["file_id"]
    eleven = [{"type": "photo", "media": photo_id} for _ in range(11)]
    assert api.error("sendMediaGroup", chat_id=7, media=eleven) == (
        400,
        "Bad Request: too many messages to send as an album",
    )
    document = api.http.post(
        f"/bot{api.token}/sendDocument", data={"chat_id": "7"}, files={"document": ("r.csv", b"a")}
    ).json()["result"]["document"]["file_id"]
    mixed = [{"type": "photo", "media": photo_id}, {"type": "document", "media": document}]
    assert api.error("sendMediaGroup", chat_id=7, media=mixed) == (
        400,
        "Bad Request: document can't be mixed with other media types",
    )
    assert api.error("sendPhoto", chat_id=7, photo=document) == (
        400,
        "Bad Request: can't use file of type Document as Photo",
    )


def test_chat_action_names_are_case_insensitive(api: Api) -> None:
    api.user(7)
    assert api.ok("sendChatAction", chat_id=7, action="TYPING") is True


# --- Rules that need a message, a press or a query first ----------------------------------


def test_messages_with_a_reply_keyboard_cannot_be_edited(api: Api) -> None:
    """td's can_edit_message: only messages without a keyboard or with an inline one."""
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="pick", reply_markup=REPLY_KEYBOARD)
    assert api.error("editMessageText", chat_id=7, message_id=sent["message_id"], text="x") == (
        400,
        "Bad Request: message can't be edited",
    )
    plain = api.ok("sendMessage", chat_id=7, text="plain")
    assert api.error(
        "editMessageReplyMarkup",
        chat_id=7,
        message_id=plain["message_id"],
        reply_markup=REPLY_KEYBOARD,
    ) == (400, "Bad Request: inline keyboard expected")


def test_edits_refuse_too_long_texts_with_the_servers_codes(api: Api, png: bytes) -> None:
    api.user(7)
    text = api.ok("sendMessage", chat_id=7, text="short")
    assert api.error(
        "editMessageText", chat_id=7, message_id=text["message_id"], text="x" * 4097
    ) == (400, "Bad Request: MESSAGE_TOO_LONG")
    photo = api.http.post(
        f"/bot{api.token}/sendPhoto", data={"chat_id": "7"}, files={"photo": ("p.png", png)}
    ).json()["result"]
    assert api.error(
        "editMessageCaption", chat_id=7, message_id=photo["message_id"], caption="c" * 1025
    ) == (400, "Bad Request: MEDIA_CAPTION_TOO_LONG")


def test_media_edits(api: Api, png: bytes) -> None:
    """td's can_edit_message_media: a text message may get media; a person's message may not."""
    api.user(7)
    photo_id = api.http.post(
        f"/bot{api.token}/sendPhoto", data={"chat_id": "7"}, files={"photo": ("p.png", png)}
    ).json()["result"]["photo"][-1]["file_id"]
    text = api.ok("sendMessage", chat_id=7, text="soon a photo")
    edited = api.ok(
        "editMessageMedia",
        chat_id=7,
        message_id=text["message_id"],
        media={"type": "photo", "media": photo_id, "caption": "now"},
    )
    assert edited["caption"] == "now" and "text" not in edited
    said = api.say(7, "mine")
    assert api.error(
        "editMessageMedia",
        chat_id=7,
        message_id=said["message_id"],
        media={"type": "photo", "media": photo_id},
    ) == (400, "Bad Request: message media can't be edited")


def test_messages_older_than_48_hours_cannot_be_deleted(api: Api, server: SandboxServer) -> None:
    """td's can_revoke_message for bots in private chats (revoke_pm_time_limit, 2 days)."""
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="old")
    bot = server.sandbox.bots[api.token]
    bot.chat(7).messages[sent["message_id"]].date = int(time.time()) - 2 * 86400 - 5
    assert api.error("deleteMessage", chat_id=7, message_id=sent["message_id"]) == (
        400,
        "Bad Request: message can't be deleted for everyone",
    )
    assert api.error("deleteMessages", chat_id=7, message_ids=[sent["message_id"], 99]) == (
        400,
        "Bad Request: message can't be deleted for everyone",
    )
    fresh = api.ok("sendMessage", chat_id=7, text="new")
    assert api.ok("deleteMessages", chat_id=7, message_ids=[fresh["message_id"], 99]) is True


def test_toast_rules(api: Api) -> None:
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="x", reply_markup=KEYBOARD)

    def press() -> str:
        body = {"message_id": sent["message_id"], "data": "go"}
        return api.sim("POST", "/sim/users/7/callbacks", json=body).json()["callback_query_id"]

    query = press()
    assert api.error("answerCallbackQuery", callback_query_id=query, text="t" * 201) == (
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )
    assert (
        _send_json(
            api, "answerCallbackQuery", {"callback_query_id": query, "text": SURROGATE}
        ).json()["description"]
        == "Bad Request: strings must be encoded in UTF-8"
    )
    assert api.ok("answerCallbackQuery", callback_query_id=query, text="t" * 200) is True


def test_inline_result_rules(api: Api) -> None:
    """Telegram's servers: unique result ids of 1-64 bytes; URL photos need http(s) URLs."""
    api.user(7)
    answers: list[Any] = []
    article = {
        "type": "article",
        "id": "1",
        "title": "t",
        "input_message_content": {"message_text": "<b>hi</b>", "parse_mode": "HTML"},
    }
    photo = {"type": "photo", "id": "2", "photo_url": "https://e.x/p.jpg", "thumbnail_url": "t.jpg"}
    refused = [
        [article, article],
        [{**article, "id": "i" * 65}],
        [photo],
    ]

    def answer_when_asked() -> None:
        updates = wait_until(lambda: api.ok("getUpdates"))
        query_id = updates[-1]["inline_query"]["id"]
        api.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
        for results in refused:
            answers.append(
                api.error("answerInlineQuery", inline_query_id=query_id, results=results)
            )
        answers.append(api.ok("answerInlineQuery", inline_query_id=query_id, results=[article]))

    worker = threading.Thread(target=answer_when_asked)
    worker.start()
    shown = api.sim("POST", "/sim/users/7/inline", json={"query": "q"}).json()
    worker.join()
    assert answers == [
        (400, "Bad Request: RESULT_ID_DUPLICATE"),
        (400, "Bad Request: RESULT_ID_INVALID"),
        (400, "Bad Request: PHOTO_THUMB_URL_EMPTY"),
        True,
    ]
    assert shown["results"][0]["id"] == "1"
    chosen = api.sim("POST", "/sim/users/7/inline/choose", json={"result_id": "1", "to_user": 7})
    assert chosen.json()["html"] == "<b>hi</b>"


def test_album_items_keep_their_media_type(api: Api, png: bytes) -> None:
    """td's edit_message_media: a photo in an album cannot become a document."""
    api.user(7)
    album = api.http.post(
        f"/bot{api.token}/sendMediaGroup",
        data={
            "chat_id": "7",
            "media": json.dumps([{"type": "photo", "media": "attach://a"}] * 2),
        },
        files={"a": ("a.png", png, "image/png")},
    ).json()["result"]
    document = api.http.post(
        f"/bot{api.token}/sendDocument", data={"chat_id": "7"}, files={"document": ("r.csv", b"a")}
    ).json()["result"]["document"]["file_id"]
    assert api.error(
        "editMessageMedia",
        chat_id=7,
        message_id=album[0]["message_id"],
        media={"type": "document", "media": document},
    ) == (400, "Bad Request: can't change media type in the album")


def test_upload_size_limits(api: Api, png: bytes) -> None:
    """Telegram's documented limits: photos up to 10 MB, uploads up to 50 MB."""
    api.user(7)
    big_photo = png + b"\0" * (10 * 1024 * 1024)
    response = api.http.post(
        f"/bot{api.token}/sendPhoto", data={"chat_id": "7"}, files={"photo": ("p.png", big_photo)}
    )
    assert response.json()["description"] == "Bad Request: PHOTO_INVALID_DIMENSIONS"
    response = api.http.post(
        f"/bot{api.token}/sendDocument",
        data={"chat_id": "7"},
        files={"document": ("d.bin", b"\0" * (50 * 1024 * 1024 + 1))},
    )
    assert response.json()["description"] == "Bad Request: file is too big"
    assert _messages(api) == []


def test_commands_are_trimmed_and_unslashed(api: Api) -> None:
    api.ok("setMyCommands", commands=[{"command": " /start ", "description": " Begin "}])
    assert api.ok("getMyCommands") == [{"command": "start", "description": "Begin"}]


def test_get_file_refuses_downloads_over_20_mb(api: Api) -> None:
    """Client::do_get_file: MAX_DOWNLOAD_FILE_SIZE."""
    api.user(7)
    big = api.http.post(
        f"/bot{api.token}/sendDocument",
        data={"chat_id": "7"},
        files={"document": ("big.bin", b"\0" * ((20 << 20) + 1))},
    ).json()["result"]["document"]["file_id"]
    assert api.error("getFile", file_id=big) == (400, "Bad Request: file is too big")
    assert api.error("getFile", file_id="nope") == (400, "Bad Request: invalid file_id")


def test_set_webhook_once_a_second_and_lenient_options() -> None:
    """process_set_webhook_query: 429 within a second; max_connections clamped; bad
    allowed_updates ignored."""
    with SandboxServer(limits="off") as server:
        api = Api(server.url)
        assert (
            api.ok(
                "setWebhook",
                url="http://127.0.0.1:9/a",
                max_connections=0,
                allowed_updates="not json",
            )
            is True
        )
        response = api.call("setWebhook", url="http://127.0.0.1:9/b")
        assert response.status_code == 429
        assert response.json()["parameters"] == {"retry_after": 1}
        info = api.ok("getWebhookInfo")
        assert (info["url"], info["max_connections"]) == ("http://127.0.0.1:9/a", 1)
        assert "allowed_updates" not in info


async def test_a_waiting_get_updates_is_ended_by_set_webhook(
    api: Api, server: SandboxServer
) -> None:
    """Client::abort_long_poll(from_set_webhook=true)."""
    bot = server.sandbox.bots[api.token]
    generation = bot.poll_generation
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        base = f"/bot{api.token}"
        waiting = asyncio.create_task(http.post(f"{base}/getUpdates", data={"timeout": "20"}))
        await async_wait_until(lambda: bot.poll_generation > generation)
        await http.post(f"{base}/setWebhook", data={"url": "http://127.0.0.1:9/x"})
        response = await asyncio.wait_for(waiting, 10)
    assert response.status_code == 409
    assert response.json()["description"] == "Conflict: terminated by setWebhook request"


def test_sim_message_with_a_lone_surrogate_is_400(api: Api) -> None:
    api.user(7)
    response = api.sim(
        "POST",
        "/sim/users/7/messages",
        content='{"text": "hi \\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["error"]
    assert api.ok("getUpdates") == []


def test_sim_reply_to_that_is_not_a_number_is_400(api: Api) -> None:
    api.user(7)
    body = {"text": "hi", "reply_to_message_id": "abc"}
    response = api.sim("POST", "/sim/users/7/messages", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": '"reply_to_message_id" must be an integer'}


def test_blank_text_to_an_unknown_chat_is_chat_not_found(api: Api) -> None:
    """Order: the Bot API server checks the chat before td trims the text."""
    assert api.error("sendMessage", chat_id=999, text="   ") == (400, "Bad Request: chat not found")
    api.user(7)
    api.sim("POST", "/sim/users/7/block")
    assert api.error("sendMessage", chat_id=7, text="   ") == (
        400,
        "Bad Request: text must be non-empty",
    )
