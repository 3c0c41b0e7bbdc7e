"""The sandbox refuses what Telegram refuses, with Telegram's codes and description texts."""

from __future__ import annotations

import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.server import SandboxServer
from tests.sandbox.harness import Api, serving

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
KEYBOARD = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}


def test_malformed_token_is_401_and_unknown_method_is_404(server: SandboxServer) -> None:
    """ClientManager::send refuses tokens before it knows the bot; Client::on_cmd the method."""
    cases = {
        "nonsense": (401, "Unauthorized: invalid token specified"),  # no ":"
        "0123:abc": (401, "Unauthorized: invalid token specified"),  # leading "0"
        ":abc": (421, "Misdirected Request: unallowed token specified"),  # id not a number
        "12a:abc": (421, "Misdirected Request: unallowed token specified"),
        "18014398509481984:abc": (401, "Unauthorized: invalid token specified"),  # id >= 2**54
        "123:": (401, "Unauthorized"),  # well-formed but no secret Telegram could know
        "123:abc def": (401, "Unauthorized"),
    }
    with httpx.Client(base_url=server.url) as http:
        for token, (code, description) in cases.items():
            response = http.post(f"/bot{token}/getMe")
            assert response.status_code == code, token
            assert response.json() == {
                "ok": False,
                "error_code": code,
                "description": description,
            }
        response = http.post("/bot123:abc/sendTelepathy")
        assert response.status_code == 404
        assert response.json()["description"] == "Not Found: method not found"
        # Method names are case-insensitive, as in Telegram.
        assert http.get("/bot123:abc/GETME").json()["result"]["id"] == 123


def test_every_body_encoding_is_accepted(api: Api) -> None:
    api.user(7)
    base = f"/bot{api.token}/sendMessage"
    assert api.http.post(base, json={"chat_id": 7, "text": "json"}).json()["ok"]
    assert api.http.post(base, data={"chat_id": "7", "text": "form"}).json()["ok"]
    assert api.http.post(base, params={"chat_id": "7", "text": "query"}).json()["ok"]
    multipart = api.http.post(base, data={"chat_id": "7", "text": "multi"}, files={"x": b"1"})
    assert multipart.json()["ok"]
    assert [m["text"] for m in api.transcript(7)["messages"]] == ["json", "form", "query", "multi"]


@pytest.mark.parametrize(
    ("params", "description"),
    [
        pytest.param({"text": "hi"}, "Bad Request: chat_id is empty", id="chat-id-empty"),
        pytest.param(
            {"chat_id": 999, "text": "hi"}, "Bad Request: chat not found", id="chat-unknown"
        ),
        pytest.param(
            {"chat_id": "@nobody", "text": "hi"}, "Bad Request: chat not found", id="chat-username"
        ),
        pytest.param({"chat_id": 7}, "Bad Request: message text is empty", id="text-empty"),
        # Not empty for the Bot API server, but empty once td trims it.
        pytest.param(
            {"chat_id": 7, "text": "  \n "}, "Bad Request: text must be non-empty", id="text-blank"
        ),
        pytest.param(
            {"chat_id": 7, "text": "<b></b>", "parse_mode": "HTML"},
            "Bad Request: text must be non-empty",
            id="text-blank-after-parsing",
        ),
        pytest.param(
            {"chat_id": 7, "text": "x" * 4097},
            "Bad Request: message is too long",
            id="text-too-long",
        ),
        # td counts code points: 4097 emoji are too long, 4096 are not (test_limits_are_inclusive).
        pytest.param(
            {"chat_id": 7, "text": "😀" * 4097},
            "Bad Request: message is too long",
            id="text-too-long-code-points",
        ),
        pytest.param(
            {"chat_id": 7, "text": "<b>x</i>", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, "
            'expected "</b>", found "</i>"',
            id="html-unmatched",
        ),
        pytest.param(
            {
                "chat_id": 7,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "d" * 65}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
            id="callback-data-too-long",
        ),
        pytest.param(
            {
                "chat_id": 7,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "url": "javascript:x"}]]},
            },
            # td's check_link: "javascript:x" reads as host "javascript", port "x".
            "Bad Request: inline keyboard button URL 'javascript:x' is invalid: "
            "Wrong port number specified in the URL",
            id="button-url-port",
        ),
        pytest.param(
            {"chat_id": 7, "text": "x", "reply_markup": "{not json"},
            "Bad Request: can't parse reply keyboard markup JSON object",
            id="markup-not-json",
        ),
    ],
)
def test_bad_messages_are_400(api: Api, params: dict, description: str) -> None:
    api.user(7)
    assert api.error("sendMessage", **params) == (400, description)
    assert api.transcript(7)["messages"] == []


def test_limits_are_inclusive(api: Api) -> None:
    api.user(7)
    api.ok("sendMessage", chat_id=7, text="x" * 4096)
    # 4096 code points even when each is two UTF-16 units (td's utf8_length, as measured live).
    api.ok("sendMessage", chat_id=7, text="😀" * 4096)
    data = "é" * 32  # 64 bytes in UTF-8: the most callback_data may carry
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": data}]]}
    api.ok(
        "sendMessage",
        chat_id=7,
        text="<b>" + "y" * 4096 + "</b>",
        parse_mode="HTML",
        reply_markup=markup,
    )


def test_caption_over_1024_characters_is_refused(api: Api, png: bytes) -> None:
    api.user(7)
    response = api.http.post(
        f"/bot{api.token}/sendPhoto",
        data={"chat_id": "7", "caption": "c" * 1025},
        files={"photo": ("p.png", png, "image/png")},
    )
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: message caption is too long"


def test_photo_that_is_not_an_image_or_an_unknown_file_id_is_refused(api: Api) -> None:
    api.user(7)
    response = api.http.post(
        f"/bot{api.token}/sendPhoto", data={"chat_id": "7"}, files={"photo": ("p.png", b"nope")}
    )
    assert response.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    # A file_id in the sandbox's format that it does not know: Telegram's answer for such ids.
    assert api.error("sendPhoto", chat_id=7, photo="SBXPH000999" + "0" * 24) == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )


def test_editing_checks_target_and_change(api: Api) -> None:
    api.user(7)
    sent = api.ok(
        "sendMessage", chat_id=7, text="<b>hi</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    mid = sent["message_id"]
    same = {"chat_id": 7, "message_id": mid, "text": "<b>hi</b>", "parse_mode": "HTML"}
    assert api.error("editMessageText", **same, reply_markup=KEYBOARD) == (400, NOT_MODIFIED)
    # Same text without bold is a change; so is dropping the keyboard.
    api.ok("editMessageText", chat_id=7, message_id=mid, text="hi", reply_markup=KEYBOARD)
    api.ok("editMessageText", chat_id=7, message_id=mid, text="hi")
    assert api.error("editMessageReplyMarkup", chat_id=7, message_id=mid) == (400, NOT_MODIFIED)
    assert api.error("editMessageText", chat_id=7, message_id=999, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    user_message = api.say(7, "mine")
    assert api.error(
        "editMessageText", chat_id=7, message_id=user_message["message_id"], text="x"
    ) == (400, "Bad Request: message can't be edited")
    assert api.error("editMessageCaption", chat_id=7, message_id=mid, caption="c") == (
        400,
        "Bad Request: there is no caption in the message to edit",
    )
    assert api.error("deleteMessage", chat_id=7, message_id=999) == (
        400,
        "Bad Request: message to delete not found",
    )


def test_answering_a_press_twice_or_an_unknown_one_is_too_old(api: Api) -> None:
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="x", reply_markup=KEYBOARD)
    press = api.sim(
        "POST", "/sim/users/7/callbacks", json={"message_id": sent["message_id"], "data": "go"}
    ).json()
    api.ok("answerCallbackQuery", callback_query_id=press["callback_query_id"], text="ok")
    assert api.error("answerCallbackQuery", callback_query_id=press["callback_query_id"]) == (
        400,
        QUERY_TOO_OLD,
    )
    assert api.error("answerCallbackQuery", callback_query_id="12345") == (400, QUERY_TOO_OLD)


def test_a_press_older_than_the_max_age_is_too_old() -> None:
    with SandboxServer(limits="off", callback_query_max_age_seconds=0.05) as server:
        api = Api(server.url)
        api.ok("getMe")
        api.user(7)
        sent = api.ok("sendMessage", chat_id=7, text="x", reply_markup=KEYBOARD)
        press = api.sim(
            "POST", "/sim/users/7/callbacks", json={"message_id": sent["message_id"], "data": "go"}
        ).json()
        time.sleep(0.2)  # let the press age past the (shrunk) 15-minute window
        assert api.error("answerCallbackQuery", callback_query_id=press["callback_query_id"]) == (
            400,
            QUERY_TOO_OLD,
        )


def test_blocked_user_gets_nothing_until_unblocked(api: Api) -> None:
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="before")
    assert api.sim("POST", "/sim/users/7/block").json() == {"user_id": 7, "blocked": True}
    assert api.error("sendMessage", chat_id=7, text="x") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    assert (
        api.error("editMessageText", chat_id=7, message_id=sent["message_id"], text="y")[0] == 403
    )
    assert api.sim("POST", "/sim/users/7/messages", json={"text": "hi"}).status_code == 409
    api.sim("POST", "/sim/users/7/unblock")
    api.ok("sendMessage", chat_id=7, text="after")
    kinds = [(u["my_chat_member"]["new_chat_member"]["status"]) for u in api.drain()]
    assert kinds == ["kicked", "member"]


def test_photo_by_url_is_fetched_like_telegram_does(api: Api, png: bytes) -> None:
    async def image(request: Request) -> Response:
        return Response(png, media_type="image/png")

    async def page(request: Request) -> Response:
        return Response("<html></html>", media_type="text/html")

    api.user(7)
    app = Starlette(routes=[Route("/p.png", image), Route("/page", page)])
    with serving(app) as url:
        sent = api.ok("sendPhoto", chat_id=7, photo=url + "/p.png")
        assert sent["photo"][-1]["width"] == 40
        assert api.error("sendPhoto", chat_id=7, photo=url + "/missing.png") == (
            400,
            "Bad Request: failed to get HTTP URL content",
        )
        assert api.error("sendPhoto", chat_id=7, photo=url + "/page") == (
            400,
            "Bad Request: wrong type of the web page content",
        )
