"""Mini Apps: signed launches, BotFather's apps and direct links, prepared messages, write access.

initData is checked with an independent implementation of Telegram's rules
(telegram-webapp-auth) and the signature with `cryptography`, against the sandbox's public key.
"""

# PTB types most fields Optional; these tests assert the values, so None would fail anyway.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import httpx
import pytest
import telegram
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from telegram_webapp_auth.auth import TelegramAuthenticator, generate_secret_key
from telegram_webapp_auth.errors import InvalidInitDataError

from sandbox.server import SandboxServer
from tests.sandbox.harness import TOKEN, Api

BOT_ID = int(TOKEN.split(":")[0])
BOT_USERNAME = f"sandbox_{BOT_ID}_bot"
APP_URL = "http://127.0.0.1:9/app"
ARTICLE = {
    "type": "article",
    "id": "deal-1",
    "title": "Today's deal",
    "input_message_content": {"message_text": "<b>20% off</b> today", "parse_mode": "HTML"},
}


def launch(api: Api, user_id: int, **body: Any) -> httpx.Response:
    """The person opens a Mini App (POST /sim/users/{id}/webapp)."""
    body.setdefault("url", APP_URL)
    return api.sim("POST", f"/sim/users/{user_id}/webapp", json=body)


def launched(api: Api, user_id: int, **body: Any) -> dict[str, Any]:
    response = launch(api, user_id, **body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def fields_of(init_data: str) -> dict[str, str]:
    """The fields of initData, decoded."""
    return dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))


def fragment_of(url: str) -> dict[str, str]:
    """The launch parameters in a launch URL's fragment, decoded once."""
    return dict(parse_qsl(url.partition("#")[2], keep_blank_values=True, strict_parsing=True))


def public_key(api: Api) -> Ed25519PublicKey:
    response = api.http.get("/sim/webapp/key")
    assert response.status_code == 200, response.text
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(response.json()["public_key"]))


def signature_verifies(key: Ed25519PublicKey, init_data: str, bot_id: int = BOT_ID) -> bool:
    """Telegram's third-party check: Ed25519 over "<bot_id>:WebAppData\\n" + data-check-string."""
    fields = fields_of(init_data)
    signature = fields.pop("signature")
    fields.pop("hash")
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    try:
        key.verify(
            base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
            f"{bot_id}:WebAppData\n{check}".encode(),
        )
    except InvalidSignature:
        return False
    return True


def hash_validates(init_data: str, token: str = TOKEN) -> bool:
    try:
        TelegramAuthenticator(generate_secret_key(token)).validate(init_data)
    except InvalidInitDataError:
        return False
    return True


# --- initData, signed as Telegram signs it ------------------------------------------------------


def test_the_public_key_is_64_hex_characters_and_survives_a_reset(api: Api) -> None:
    first = api.http.get("/sim/webapp/key").json()
    assert set(first) == {"public_key"}
    assert len(first["public_key"]) == 64
    int(first["public_key"], 16)
    api.http.post("/sim/reset").raise_for_status()
    assert api.http.get("/sim/webapp/key").json() == first  # Telegram's key does not change


def test_init_data_validates_like_telegrams_and_a_changed_field_breaks_it(api: Api) -> None:
    api.http.post(
        "/sim/users",
        json={
            "id": 7,
            "first_name": "Ann & Bo",
            "last_name": "Lee",
            "username": "ann",
            "language_code": "zh-hans",
        },
    ).raise_for_status()
    answer = launched(api, 7, start_param="deal-42_x")
    init_data = answer["init_data"]
    key = public_key(api)
    assert hash_validates(init_data)
    assert signature_verifies(key, init_data)
    parsed = TelegramAuthenticator(generate_secret_key(TOKEN)).validate(init_data)
    assert parsed.user.id == 7 and parsed.user.first_name == "Ann & Bo"
    assert parsed.start_param == "deal-42_x"

    fields = fields_of(init_data)
    assert json.loads(fields["user"]) == {
        "id": 7,
        "first_name": "Ann & Bo",
        "last_name": "Lee",
        "username": "ann",
        "language_code": "zh-hans",
    }
    assert fields["user"] == json.dumps(json.loads(fields["user"]), separators=(",", ":"))
    assert abs(int(fields["auth_date"]) - time.time()) < 5
    # The hash covers the signature; the signature covers everything else.
    assert list(fields)[-2:] == ["signature", "hash"]
    assert "=" not in fields["signature"] and "+" not in fields["signature"]

    # Any change breaks both: a field, the signature, another bot's token or id.
    forged = init_data.replace("Ann", "Eve")
    assert not hash_validates(forged)
    assert not signature_verifies(key, forged)
    assert not hash_validates(init_data, "123456:another-secret")
    assert not signature_verifies(key, init_data, bot_id=BOT_ID + 1)
    resigned = dict(fields, auth_date=str(int(fields["auth_date"]) + 1))
    assert not signature_verifies(key, urlencode(resigned, quote_via=quote))


def test_the_fields_follow_what_the_app_was_opened_from(api: Api) -> None:
    api.user(7)
    by_source = {
        source: fields_of(launched(api, 7, source=source)["init_data"])
        for source in ("inline_button", "keyboard_button", "menu", "link")
    }
    signed = {"user", "auth_date", "signature", "hash"}
    assert set(by_source["keyboard_button"]) == signed
    assert set(by_source["menu"]) == signed | {"query_id"}
    assert set(by_source["inline_button"]) == signed | {"query_id", "chat_instance", "chat_type"}
    assert set(by_source["link"]) == signed | {"chat_instance", "chat_type"}
    inline = by_source["inline_button"]
    assert inline["chat_type"] == "sender"
    assert inline["query_id"] != by_source["menu"]["query_id"]
    # The chat's chat_instance is the one its callback queries carry.
    assert inline["chat_instance"] == by_source["link"]["chat_instance"]
    assert int(inline["chat_instance"]) > 0


def test_allows_write_to_pm_once_the_person_has_started_the_bot(api: Api) -> None:
    api.user(7)

    def user_field() -> dict[str, Any]:
        return dict(json.loads(fields_of(launched(api, 7)["init_data"])["user"]))

    assert "allows_write_to_pm" not in user_field()
    api.say(7, "/start")
    assert user_field()["allows_write_to_pm"] is True
    api.sim("POST", "/sim/users/7/block").raise_for_status()
    assert "allows_write_to_pm" not in user_field()
    api.sim("POST", "/sim/users/7/unblock").raise_for_status()
    assert user_field()["allows_write_to_pm"] is True


def test_the_launch_url_carries_the_parameters_in_its_fragment(api: Api) -> None:
    api.user(7)
    themes = api.http.get("/sim/webapp/themes").json()
    assert set(themes) == {"light", "dark"}
    for name in (
        "bg_color",
        "text_color",
        "hint_color",
        "link_color",
        "button_color",
        "button_text_color",
        "secondary_bg_color",
        "header_bg_color",
        "accent_text_color",
        "section_bg_color",
        "section_header_text_color",
        "subtitle_text_color",
        "destructive_text_color",
        "bottom_bar_bg_color",
    ):
        assert themes["light"][name].startswith("#") and themes["dark"][name].startswith("#")

    light = launched(api, 7, url=APP_URL + "?page=1")
    assert light["theme_params"] == themes["light"]
    assert light["url"].startswith(APP_URL + "?page=1#tgWebAppData=")
    params = fragment_of(light["url"])
    assert list(params) == [
        "tgWebAppData",
        "tgWebAppVersion",
        "tgWebAppPlatform",
        "tgWebAppThemeParams",
    ]
    assert params["tgWebAppData"] == light["init_data"]
    assert (params["tgWebAppVersion"], params["tgWebAppPlatform"]) == ("8.0", "weba")
    assert json.loads(params["tgWebAppThemeParams"]) == themes["light"]
    assert light["bot"] == {"id": BOT_ID, "username": BOT_USERNAME, "first_name": "Sandbox Bot"}

    dark = launched(api, 7, theme="dark", start_param="p1")
    assert dark["theme_params"] == themes["dark"] != themes["light"]
    assert fragment_of(dark["url"])["tgWebAppStartParam"] == "p1"
    # An app with a fragment of its own (a hash router) keeps it; the parameters follow a "?".
    routed = launched(api, 7, url=APP_URL + "#/cart")["url"]
    assert routed.partition("#")[2].startswith("/cart?tgWebAppData=")
    assert routed.count("#") == 1  # every "#" of the parameters is escaped


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        pytest.param({"theme": "sepia"}, 400, '"theme" must be "light" or "dark"', id="theme"),
        pytest.param(
            {"theme": ["dark"]}, 400, '"theme" must be "light" or "dark"', id="theme-list"
        ),
        pytest.param(
            {"start_param": "abc\n"}, 400, '"start_param" must be at most 512', id="start-newline"
        ),
        pytest.param({"source": "qr"}, 400, '"source" must be one of', id="source"),
        pytest.param({"url": ""}, 400, '"url" is required', id="no-url"),
        pytest.param(
            {"url": "ftp://e.x/app"},
            400,
            "Web App URL 'ftp://e.x/app' is invalid: Unsupported URL protocol",
            id="url-protocol",
        ),
        pytest.param(
            {"start_param": "a b"}, 400, '"start_param" must be at most 512', id="start-param"
        ),
        pytest.param(
            {"start_param": "a" * 513}, 400, '"start_param" must be at most 512', id="start-long"
        ),
    ],
)
def test_launch_refusals(api: Api, body: dict[str, Any], status: int, error: str) -> None:
    api.user(7)
    response = launch(api, 7, **body)
    assert response.status_code == status
    assert error in response.json()["error"]


def test_a_launch_needs_a_known_person_and_https_outside_the_test_environment(
    api: Api, server: SandboxServer
) -> None:
    assert launch(api, 8).status_code == 404
    api.user(7)
    assert launched(api, 7, start_param="a" * 512)
    server.sandbox.settings.test_environment = False
    try:
        response = launch(api, 7)
        assert response.status_code == 400
        assert response.json()["error"] == (
            f"Web App URL '{APP_URL}' is invalid: Only HTTPS links are allowed"
        )
        assert launched(api, 7, url="https://shop.example/app")
    finally:
        server.sandbox.settings.test_environment = True


# --- BotFather's /newapp and direct links -------------------------------------------------------


def register(api: Api, short_name: str, url: str = APP_URL, bot: str = BOT_USERNAME) -> Any:
    return api.http.post(f"/sim/bots/{bot}/apps", json={"short_name": short_name, "url": url})


def open_link(api: Api, user_id: int, url: str, **body: Any) -> httpx.Response:
    return api.http.post(f"/sim/users/{user_id}/open-link", json={"url": url, **body})


def test_apps_are_registered_listed_and_edited(api: Api) -> None:
    assert register(api, "shop").json() == {"short_name": "shop", "url": APP_URL}
    assert register(api, "Deals_2026", "https://Shop.Example/deals").json() == {
        "short_name": "Deals_2026",
        "url": "https://shop.example/deals",  # normalised as td keeps Web App URLs
    }
    register(api, "SHOP", APP_URL + "/v2").raise_for_status()  # again: /editapp, a new URL
    listed = api.http.get(f"/sim/bots/@{BOT_USERNAME}/apps").json()
    assert listed == [
        {"short_name": "Deals_2026", "url": "https://shop.example/deals"},
        {"short_name": "SHOP", "url": APP_URL + "/v2"},
    ]


@pytest.mark.parametrize(
    ("short_name", "url", "status", "error"),
    [
        pytest.param("ab", APP_URL, 400, '"short_name" must be 3-30', id="too-short"),
        pytest.param("a" * 31, APP_URL, 400, '"short_name" must be 3-30', id="too-long"),
        pytest.param("my-app", APP_URL, 400, '"short_name" must be 3-30', id="dash"),
        pytest.param("shop\n", APP_URL, 400, '"short_name" must be 3-30', id="newline"),
        pytest.param("shop", "tg://x", 400, "Only HTTP links are allowed", id="tg-url"),
        pytest.param("shop", "", 400, '"url" is required', id="no-url"),
    ],
)
def test_app_refusals(api: Api, short_name: str, url: str, status: int, error: str) -> None:
    response = register(api, short_name, url)
    assert response.status_code == status
    assert error in response.json()["error"]


def test_apps_of_an_unknown_bot_are_404(api: Api) -> None:
    assert register(api, "shop", bot="nobody_bot").status_code == 404
    assert api.http.get("/sim/bots/nobody_bot/apps").status_code == 404


def test_a_direct_link_opens_the_registered_app_with_its_startapp(api: Api) -> None:
    api.user(7)  # has never written to the bot
    register(api, "shop").raise_for_status()
    response = open_link(
        api, 7, f"https://t.me/{BOT_USERNAME}/shop?startapp=item_42-b", theme="dark"
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["url"].startswith(APP_URL + "#tgWebAppData=")
    assert fragment_of(answer["url"])["tgWebAppStartParam"] == "item_42-b"
    fields = fields_of(answer["init_data"])
    assert fields["start_param"] == "item_42-b"
    assert fields["chat_type"] == "sender" and "query_id" not in fields
    assert "allows_write_to_pm" not in json.loads(fields["user"])
    assert hash_validates(answer["init_data"])
    assert signature_verifies(public_key(api), answer["init_data"])
    assert answer["theme_params"]["bg_color"] == "#212121"

    # The same app by tg://resolve, by another host, without a start parameter.
    for link in (
        f"tg://resolve?domain={BOT_USERNAME}&appname=SHOP&startapp=x",
        f"http://telegram.me/{BOT_USERNAME.upper()}/shop/",
    ):
        assert open_link(api, 7, link).status_code == 200, link
    plain = fields_of(open_link(api, 7, f"https://t.me/{BOT_USERNAME}/shop").json()["init_data"])
    assert "start_param" not in plain


@pytest.mark.parametrize(
    ("link", "status", "error"),
    [
        pytest.param(
            f"https://t.me/{BOT_USERNAME}/shop?startapp=a%20b",
            400,
            '"startapp" must be at most 512 characters of A-Z, a-z, 0-9, "_" and "-"',
            id="startapp-characters",
        ),
        pytest.param(
            f"https://t.me/{BOT_USERNAME}/shop?startapp={'a' * 513}",
            400,
            '"startapp" must be at most 512',
            id="startapp-too-long",
        ),
        pytest.param(
            f"https://t.me/{BOT_USERNAME}/cart", 404, "has no Mini App 'cart'", id="unknown-app"
        ),
        pytest.param("https://t.me/nobody_bot/shop", 404, "no bot @nobody_bot", id="unknown-bot"),
        pytest.param(f"https://t.me/{BOT_USERNAME}?startapp=x", 404, "main Mini App", id="main"),
        pytest.param("https://t.me/news/123", 400, "not a bot's username", id="channel-post"),
        pytest.param("https://example.com/x/y", 400, "not a Mini App link", id="not-telegram"),
    ],
)
def test_direct_link_refusals(api: Api, link: str, status: int, error: str) -> None:
    api.user(7)
    register(api, "shop").raise_for_status()
    response = open_link(api, 7, link)
    assert response.status_code == status, response.text
    assert error in response.json()["error"]
    assert open_link(api, 7, f"https://t.me/{BOT_USERNAME}/shop?startapp={'a' * 512}").is_success


# --- savePreparedInlineMessage --------------------------------------------------------------------


async def test_save_prepared_inline_message_through_ptb(api: Api, server: SandboxServer) -> None:
    api.user(7)
    result = telegram.InlineQueryResultArticle(
        "deal-1",
        "Today's deal",
        telegram.InputTextMessageContent("<b>20% off</b>", parse_mode="HTML"),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Open", web_app=WebAppInfo(APP_URL))]]
        ),
    )
    # Telegram's test environment, where the app's http:// URL is a valid Web App URL.
    bot = telegram.Bot(TOKEN, base_url=server.test_bot_api_url, base_file_url=server.file_api_url)
    async with bot:
        before = time.time()
        prepared = await bot.save_prepared_inline_message(7, result, allow_user_chats=True)
        again = await bot.save_prepared_inline_message(7, result, allow_group_chats=True)
    assert isinstance(prepared.id, str) and prepared.id
    assert isinstance(prepared.expiration_date, datetime)
    assert prepared.expiration_date.timestamp() >= before + 3600
    assert again.id != prepared.id
    shown = api.sim("GET", f"/sim/users/7/prepared-messages/{prepared.id}").json()
    assert shown["allow_user_chats"] is True and shown["allow_group_chats"] is False
    assert shown["result"]["id"] == "deal-1"


SAVE_REFUSALS = [
    pytest.param({}, "Bad Request: invalid user_id specified", id="no-user-id"),
    pytest.param({"user_id": 7}, "Bad Request: result isn't specified", id="no-result"),
    pytest.param(
        {"user_id": 7, "result": "{"},
        "Bad Request: can't parse JSON encoded web view query results Unexpected string end",
        id="result-not-json",
    ),
    pytest.param(
        {"user_id": 7, "result": "[]"},
        "Bad Request: inline query result must be an object",
        id="result-not-object",
    ),
    pytest.param(
        {"user_id": 7, "result": {"id": "1"}},
        'Bad Request: can\'t find field "type"',
        id="result-no-type",
    ),
    pytest.param(
        {"user_id": 7, "result": {"type": "article", "id": "1", "title": "t"}},
        'Bad Request: can\'t find field "message_text"',  # one result: no "can't parse …" prefix
        id="article-no-content",
    ),
    pytest.param(
        {"user_id": 7, "result": {"type": "hologram", "id": "1"}},
        'Bad Request: type "hologram" is unsupported for the inline query result',
        id="type-unsupported",
    ),
    pytest.param(
        {"user_id": 7, "result": ARTICLE},
        "Bad Request: at least one chat type must be allowed",
        id="no-chat-type",
    ),
    pytest.param(
        {"user_id": 8, "result": ARTICLE, "allow_user_chats": True},
        "Bad Request: USER_ID_INVALID",
        id="user-unknown",
    ),
    pytest.param(
        {"user_id": 1 << 40, "result": ARTICLE, "allow_user_chats": True},
        "Bad Request: user not found",
        id="user-id-invalid",
    ),
    pytest.param(
        {"user_id": 8, "result": {**ARTICLE, "id": "x" * 65}},
        "Bad Request: at least one chat type must be allowed",  # td's checks come first
        id="td-before-server",
    ),
    pytest.param(
        {"user_id": 7, "result": {**ARTICLE, "id": "x" * 65}, "allow_bot_chats": True},
        "Bad Request: RESULT_ID_INVALID",
        id="result-id-too-long",
    ),
    pytest.param(
        {
            "user_id": 7,
            "result": {**ARTICLE, "reply_markup": {"keyboard": [["a"]]}},
            "allow_user_chats": True,
        },
        "Bad Request: inline keyboard expected",
        id="reply-keyboard",
    ),
    pytest.param(
        {
            "user_id": 7,
            "result": {
                **ARTICLE,
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]},
            },
            "allow_user_chats": True,
        },
        "Bad Request: BUTTON_DATA_INVALID",
        id="callback-data-too-long",
    ),
]


@pytest.mark.parametrize(("params", "description"), SAVE_REFUSALS)
def test_save_prepared_inline_message_refusals(
    api: Api, params: dict[str, Any], description: str
) -> None:
    api.user(7)
    assert api.error("savePreparedInlineMessage", **params) == (400, description)


def test_a_prepared_web_app_button_needs_https_outside_the_test_environment(api: Api) -> None:
    api.user(7)
    result = {
        **ARTICLE,
        "reply_markup": {"inline_keyboard": [[{"text": "Open", "web_app": {"url": APP_URL}}]]},
    }
    assert api.error(
        "savePreparedInlineMessage", user_id=7, result=result, allow_user_chats=True
    ) == (
        400,
        f"Bad Request: inline keyboard button Web App URL '{APP_URL}' is invalid: Only HTTPS "
        "links are allowed",
    )


def test_a_prepared_message_is_shared_into_another_chat_via_the_bot(api: Api) -> None:
    api.user(7, "Ann")
    api.user(8, "Bo")
    keyboard = {"inline_keyboard": [[{"text": "Like", "callback_data": "like"}]]}
    prepared = api.ok(
        "savePreparedInlineMessage",
        user_id=7,
        result={**ARTICLE, "reply_markup": keyboard},
        allow_user_chats=True,
    )
    api.drain()
    sent = api.sim(
        "POST", f"/sim/users/7/prepared-messages/{prepared['id']}/send", json={"to_user": 8}
    )
    assert sent.status_code == 200, sent.text
    message = api.transcript(8)["messages"][-1]
    assert message == sent.json() | {"toasts": []}
    assert message["html"] == "<b>20% off</b> today"
    assert (message["via_bot"], message["sender_name"]) == (f"@{BOT_USERNAME}", "Ann")
    assert message["reply_markup"] == keyboard
    # A press on it carries the inline message id the bot can edit it by.
    press = api.sim(
        "POST",
        "/sim/users/8/callbacks",
        json={"message_id": message["message_id"], "data": "like"},
    )
    assert press.status_code == 200, press.text
    query = api.drain()[-1]["callback_query"]
    assert api.ok("editMessageText", inline_message_id=query["inline_message_id"], text="Liked")
    assert api.transcript(8)["messages"][-1]["text"] == "Liked"


def test_prepared_messages_belong_to_their_person_and_expire(
    api: Api, server: SandboxServer
) -> None:
    api.user(7)
    api.user(8)
    only_groups = api.ok(
        "savePreparedInlineMessage", user_id=7, result=ARTICLE, allow_group_chats=True
    )
    path = f"/sim/users/7/prepared-messages/{only_groups['id']}"
    assert api.sim("GET", f"/sim/users/8/prepared-messages/{only_groups['id']}").status_code == 404
    assert api.sim("GET", "/sim/users/7/prepared-messages/nope").status_code == 404
    refused = api.sim("POST", path + "/send", json={"to_user": 8})
    assert refused.status_code == 400
    assert "private chats" in refused.json()["error"]
    assert api.sim("POST", path + "/send", json={"to_user": 9}).status_code == 404

    server.sandbox.settings.prepared_message_ttl_seconds = 0
    try:
        expired = api.ok("savePreparedInlineMessage", user_id=7, result=ARTICLE, allow_user_chats=1)
        assert expired["expiration_date"] <= time.time()
    finally:
        server.sandbox.settings.prepared_message_ttl_seconds = 24 * 60 * 60
    gone = api.sim(
        "POST", f"/sim/users/7/prepared-messages/{expired['id']}/send", json={"to_user": 8}
    )
    assert gone.status_code == 410
    assert api.transcript(8)["messages"] == []


# --- requestWriteAccess, the menu button, the script ----------------------------------------------


def test_write_access_is_granted_once_with_a_service_message(api: Api) -> None:
    api.user(7)
    api.drain()
    assert api.sim("POST", "/sim/users/7/write-access").json() == {"status": "allowed"}
    updates = api.drain()
    assert len(updates) == 1
    message = updates[0]["message"]
    assert message["write_access_allowed"] == {"from_request": True}
    assert message["chat"]["id"] == 7 and message["from"]["id"] == 7
    assert "text" not in message
    entry = api.transcript(7)["messages"][-1]
    assert entry["from"] == "user"
    assert entry["service"] == {"write_access_allowed": {"from_request": True}}
    user = json.loads(fields_of(launched(api, 7)["init_data"])["user"])
    assert user["allows_write_to_pm"] is True
    # Already allowed: "allowed" at once, no second message.
    assert api.sim("POST", "/sim/users/7/write-access").json() == {"status": "allowed"}
    assert api.drain() == []
    # A person who blocked the bot declines.
    api.user(8)
    api.sim("POST", "/sim/users/8/block").raise_for_status()
    assert api.sim("POST", "/sim/users/8/write-access").json() == {"status": "cancelled"}


def test_the_transcript_shows_the_chats_menu_button(api: Api) -> None:
    api.test_environment = True  # the app is on http://
    api.user(7)
    api.user(8)
    assert api.transcript(7)["menu_button"] == {"type": "default"}
    everyone = {"type": "web_app", "text": "Shop", "web_app": {"url": APP_URL}}
    since = api.transcript(7)["seq"]
    api.ok("setChatMenuButton", menu_button=everyone)
    mine = {"type": "web_app", "text": "My shop", "web_app": {"url": APP_URL + "/7"}}
    api.ok("setChatMenuButton", chat_id=7, menu_button=mine)
    assert api.transcript(7)["menu_button"] == mine
    assert api.transcript(8)["menu_button"] == everyone
    assert api.transcript(7)["bot"]["first_name"] == "Sandbox Bot"
    with api.http.stream("GET", "/sim/events", params={"since": since}) as stream:
        kinds = []
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                kinds.append((event["type"], event["user_id"]))
            if len(kinds) == 2:
                break
    assert kinds == [("menu_button", None), ("menu_button", 7)]


def test_the_web_app_script_is_served(api: Api) -> None:
    response = api.http.get("/telegram-web-app.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "window.Telegram.WebApp" in response.text
