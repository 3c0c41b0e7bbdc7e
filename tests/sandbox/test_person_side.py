"""The /sim/ API: people write, send photos, press buttons, use inline mode; observers read."""

from __future__ import annotations

import asyncio
import json

import httpx

from sandbox.server import SandboxServer
from tests.sandbox.harness import OTHER_TOKEN, TOKEN, Api

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Like", "callback_data": "like:1"}, {"text": "Shop", "url": "https://e.x/"}]
    ]
}


def test_users_are_idempotent_on_id(api: Api) -> None:
    api.user(7, "Ann", "en")
    api.user(7, "Anna", "zh-hans")
    api.user(8, "Bo")
    users = api.http.get("/sim/users").json()
    assert [(u["id"], u["first_name"], u["language_code"]) for u in users] == [
        (7, "Anna", "zh-hans"),
        (8, "Bo", "en"),
    ]
    assert api.http.post("/sim/users", json={"id": 9}).status_code == 400
    assert api.http.post("/sim/users/404/messages", json={"text": "x"}).status_code == 404


def test_commands_and_deep_links_carry_a_bot_command_entity(api: Api) -> None:
    api.user(7)
    api.say(7, "/start w_42")
    api.say(7, "/help@sandbox_123456_bot")
    api.say(7, "just text /start")
    messages = [u["message"] for u in api.drain()]
    assert messages[0]["text"] == "/start w_42"
    assert messages[0]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert messages[1]["entities"][0]["length"] == len("/help@sandbox_123456_bot")
    assert "entities" not in messages[2]
    assert [m["message_id"] for m in messages] == [1, 2, 3]


def test_user_photo_is_stored_and_downloadable(api: Api, png: bytes) -> None:
    api.user(7)
    sent = api.sim(
        "POST",
        "/sim/users/7/messages",
        data={"caption": "my haul"},
        files={"photo": ("haul.png", png, "image/png")},
    ).json()
    assert sent["caption"] == "my haul"
    assert api.http.get(sent["photo"]).content == png
    (update,) = api.drain()
    photo = update["message"]["photo"][-1]
    assert (photo["width"], photo["height"]) == (40, 30)
    file = api.ok("getFile", file_id=photo["file_id"])
    assert api.http.get(f"/file/bot{TOKEN}/{file['file_path']}").content == png
    assert api.http.get(f"/file/botbad/{file['file_path']}").status_code == 401
    not_image = api.sim("POST", "/sim/users/7/messages", files={"photo": ("x.png", b"no")})
    assert not_image.status_code == 400


def test_pressing_a_button_is_checked_and_the_answer_is_recorded(api: Api) -> None:
    api.user(7)
    sent = api.ok("sendMessage", chat_id=7, text="Item", reply_markup=KEYBOARD)
    mid = sent["message_id"]
    press = "/sim/users/7/callbacks"
    assert api.sim("POST", press, json={"message_id": 99, "data": "like:1"}).status_code == 400
    assert api.sim("POST", press, json={"message_id": mid, "data": "like:2"}).status_code == 400
    query_id = api.sim("POST", press, json={"message_id": mid, "data": "like:1"}).json()[
        "callback_query_id"
    ]
    (update,) = api.drain()
    assert update["callback_query"]["message"]["message_id"] == mid
    assert update["callback_query"]["data"] == "like:1"
    unanswered = api.http.get(f"/sim/callbacks/{query_id}").json()
    assert unanswered["answered"] is False
    api.ok("answerCallbackQuery", callback_query_id=query_id, text="Liked!", show_alert=True)
    answer = api.http.get(f"/sim/callbacks/{query_id}").json()
    assert (answer["answered"], answer["text"], answer["show_alert"]) == (True, "Liked!", True)
    transcript = api.transcript(7)
    assert [t["text"] for t in transcript["toasts"]] == ["Liked!"]
    assert transcript["messages"][0]["toasts"][0]["text"] == "Liked!"


def test_transcript_applies_edits_and_deletions_and_reads_incrementally(api: Api) -> None:
    api.user(7)
    first = api.ok("sendMessage", chat_id=7, text="<i>one</i>", parse_mode="HTML")
    api.say(7, "two")
    seq = api.transcript(7)["seq"]
    third = api.ok("sendMessage", chat_id=7, text="three", reply_markup=KEYBOARD)
    api.ok("editMessageText", chat_id=7, message_id=first["message_id"], text="one!")
    api.ok("deleteMessage", chat_id=7, message_id=third["message_id"])
    full = api.transcript(7)
    assert [(m["from"], m["text"], m["edited"]) for m in full["messages"]] == [
        ("bot", "one!", True),
        ("user", "two", False),
    ]
    changed = api.transcript(7, since=seq)
    assert [m["text"] for m in changed["messages"]] == ["one!"]
    assert changed["deleted"] == [third["message_id"]]
    assert [m["text"] for m in api.transcript(7, after=1)["messages"]] == ["two"]


def test_html_is_kept_for_the_chat_page(api: Api) -> None:
    api.user(7)
    api.ok(
        "sendMessage",
        chat_id=7,
        text="<b>Bold</b> &amp; <a href='https://e.x/'>x</a>",
        parse_mode="HTML",
    )
    (message,) = api.transcript(7)["messages"]
    assert message["text"] == "Bold & x"
    assert message["html"] == '<b>Bold</b> &amp; <a href="https://e.x/">x</a>'


async def test_inline_query_round_trip_and_sharing_a_result(
    api: Api, server: SandboxServer
) -> None:
    api.user(7, "Ann")
    api.user(8, "Bo")
    results = [
        {
            "type": "article",
            "id": "w42",
            "title": "Window 42",
            "input_message_content": {"message_text": "<b>Window 42</b>", "parse_mode": "HTML"},
            "reply_markup": {"inline_keyboard": [[{"text": "Open", "callback_data": "open:42"}]]},
        }
    ]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        asking = asyncio.create_task(
            client.post("/sim/users/7/inline", params={"token": TOKEN}, json={"query": "tea"})
        )
        update = None
        while update is None:
            updates = (await client.post(f"/bot{TOKEN}/getUpdates", data={"timeout": "5"})).json()
            update = next((u for u in updates["result"] if "inline_query" in u), None)
        query = update["inline_query"]
        assert (query["query"], query["from"]["id"]) == ("tea", 7)
        answered = await client.post(
            f"/bot{TOKEN}/answerInlineQuery",
            data={"inline_query_id": query["id"], "results": json.dumps(results)},
        )
        assert answered.json()["ok"], answered.text
        answer = (await asking).json()
    assert [r["id"] for r in answer["results"]] == ["w42"]
    api.ok("getUpdates", offset=update["update_id"] + 1)

    shared = api.sim("POST", "/sim/users/7/inline/choose", json={"result_id": "w42", "to_user": 8})
    assert shared.status_code == 200, shared.text
    (message,) = api.transcript(8)["messages"]
    assert (message["text"], message["via_bot"], message["sender_name"]) == (
        "Window 42",
        "@sandbox_123456_bot",
        "Ann",
    )
    (chosen,) = api.drain()
    inline_message_id = chosen["chosen_inline_result"]["inline_message_id"]
    assert chosen["chosen_inline_result"]["result_id"] == "w42"
    # Bo presses the shared card's button: the press names the inline message, not a chat.
    api.sim(
        "POST",
        "/sim/users/8/callbacks",
        json={"message_id": message["message_id"], "data": "open:42"},
    )
    (press,) = api.drain()
    assert press["callback_query"]["inline_message_id"] == inline_message_id
    assert "message" not in press["callback_query"]
    assert api.ok("editMessageText", inline_message_id=inline_message_id, text="Sold out") is True
    assert api.transcript(8)["messages"][0]["text"] == "Sold out"


def test_inline_query_the_bot_never_answers_is_504() -> None:
    with SandboxServer(limits="off", inline_answer_wait_seconds=0.1) as server:
        api = Api(server.url)
        api.ok("getMe")
        api.user(7)
        assert api.sim("POST", "/sim/users/7/inline", json={"query": "x"}).status_code == 504


async def test_events_stream_reports_each_change(api: Api, server: SandboxServer) -> None:
    api.user(7)
    seq = api.transcript(7)["seq"]
    events = []
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=30) as client,
        client.stream("GET", "/sim/events", params={"since": seq}) as stream,
    ):
        sent = api.ok("sendMessage", chat_id=7, text="a", reply_markup=KEYBOARD)
        api.ok("editMessageText", chat_id=7, message_id=sent["message_id"], text="b")
        api.ok("deleteMessage", chat_id=7, message_id=sent["message_id"])
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
            if len(events) == 3:
                break
    assert [(e["type"], e["user_id"]) for e in events] == [
        ("message", 7),
        ("edit", 7),
        ("delete", 7),
    ]
    assert events[1]["message"]["text"] == "b"
    assert events[2]["message_id"] == sent["message_id"]


def test_call_log_filters_by_method_and_records_failures(api: Api) -> None:
    api.user(7)
    api.ok("sendMessage", chat_id=7, text="hi")
    api.error("sendMessage", chat_id=8, text="hi")
    calls = api.http.get("/sim/calls", params={"method": "sendmessage"}).json()
    assert [(c["method"], c["status"], c["params"]["chat_id"]) for c in calls] == [
        ("sendMessage", 200, "7"),
        ("sendMessage", 400, "8"),
    ]
    assert calls[1]["description"] == "Bad Request: chat not found"
    assert len(api.http.get("/sim/calls", params={"limit": 1}).json()) == 1


def test_commands_follow_scope_and_language_fallback(api: Api) -> None:
    api.ok("setMyCommands", commands=[{"command": "start", "description": "Start"}])
    api.ok(
        "setMyCommands", commands=[{"command": "start", "description": "开始"}], language_code="zh"
    )
    assert api.error("setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}]) == (
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    )
    by_language = {
        lang: api.sim("GET", "/sim/commands", params={"language_code": lang}).json()
        for lang in ("zh-hans", "fr")
    }
    assert by_language["zh-hans"][0]["description"] == "开始"
    assert by_language["fr"][0]["description"] == "Start"
    assert api.ok("getMyCommands", language_code="fr") == []  # exact scope+language only


def test_several_bots_and_reset(api: Api) -> None:
    other = Api(api.url, OTHER_TOKEN)
    other.ok("getMe")
    api.user(7)
    # Without ?token= the sim acts on the most recently active bot.
    api.http.post("/sim/users/7/messages", json={"text": "to the other bot"})
    assert [u["message"]["text"] for u in other.drain()] == ["to the other bot"]
    assert api.drain() == []
    assert [b["id"] for b in api.http.get("/sim/bots").json()] == [123456, 654321]
    assert api.http.post("/sim/reset").json() == {"ok": True}
    assert api.http.get("/sim/users").json() == []
    assert api.http.get("/sim/bots").json() == []


def test_chat_page_and_static_files_are_served_without_traversal(server: SandboxServer) -> None:
    with httpx.Client(base_url=server.url) as http:
        page = http.get("/")
        assert page.status_code == 200
        assert "<html" in page.text.lower()
        script = http.get("/static/sandbox/chat.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        for path in ("../__init__.py", "chat.html", "..%2F__init__.py", ".hidden.js", "nope.js"):
            assert http.get(f"/static/sandbox/{path}").status_code == 404
