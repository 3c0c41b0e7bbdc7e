"""With a state_dir the sandbox keeps its state across restarts, as Telegram does across a bot's.

Each test stops a sandbox and starts a new one on the same directory (a clean stop saves last;
the crash test kills a process instead) and reads everything back over real HTTP.
"""

# PTB types most fields Optional; these tests assert the values, so None would fail anyway.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import telegram
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.constants import ParseMode

from sandbox.server import SandboxServer
from sandbox.state_store import FILE_NAME
from tests.conftest import free_port
from tests.sandbox.harness import FAST_SETTINGS, TOKEN, Api, serving, wait_until

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Like", callback_data="like"),
            InlineKeyboardButton("Shop", url="https://e.x/"),
        ]
    ]
)


@contextlib.contextmanager
def api_on(url: str) -> Iterator[Api]:
    """A test's hands on the sandbox at `url`."""
    api = Api(url)
    try:
        yield api
    finally:
        api.http.close()


@contextlib.contextmanager
def sandbox_on(state_dir: Path, **settings: Any) -> Iterator[tuple[SandboxServer, Api]]:
    """A sandbox keeping its state in `state_dir`, and a test's hands on it."""
    with (
        SandboxServer(limits="off", state_dir=state_dir, **{**FAST_SETTINGS, **settings}) as server,
        api_on(server.url) as api,
    ):
        yield server, api


@contextlib.asynccontextmanager
async def ptb_bot(server: SandboxServer) -> AsyncIterator[telegram.Bot]:
    """An unmodified python-telegram-bot Bot pointed at `server`."""
    bot = telegram.Bot(TOKEN, base_url=server.bot_api_url, base_file_url=server.file_api_url)
    async with bot:
        yield bot


def on_disk(state_dir: Path, table: str) -> int:
    """How many rows `table` of the state file holds now, read as another process would."""
    uri = f"file:{state_dir / FILE_NAME}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def press(api: Api, user_id: int, message_id: int, data: str) -> str:
    """The person presses a button; return the callback query id."""
    response = api.sim(
        "POST", f"/sim/users/{user_id}/callbacks", json={"message_id": message_id, "data": data}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["callback_query_id"])


async def test_people_transcripts_and_file_ids_outlive_a_restart(
    tmp_path: Path, png: bytes
) -> None:
    with sandbox_on(tmp_path) as (server, api):
        api.user(7, "Ann", "en")
        api.user(8, "Bo", "zh-hans")
        async with ptb_bot(server) as bot:
            hello = await bot.send_message(
                7, "<b>Hi</b> Ann", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
            )
            photo = await bot.send_photo(7, png, caption="A <i>photo</i>", parse_mode="HTML")
            await bot.send_message(8, "Pick one", reply_markup=ReplyKeyboardMarkup([["Yes", "No"]]))
            await bot.edit_message_text(
                "Bye <i>Ann</i>",
                chat_id=7,
                message_id=hello.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=KEYBOARD,
            )
            query_id = press(api, 7, hello.message_id, "like")
            wait_until(lambda: on_disk(tmp_path, "callbacks") == 1)  # saved, then answered
            await bot.answer_callback_query(query_id, text="Liked")
            report = await bot.send_document(8, b"id,total\n1,9.90\n", filename="report.csv")
            doomed = await bot.send_message(8, "gone soon")  # the chat's last id, then deleted
            wait_until(lambda: on_disk(tmp_path, "messages") == 5)  # saved, then changed
            await bot.delete_message(8, doomed.message_id)
            await bot.edit_message_caption(7, photo.message_id, caption="The photo")
        api.say(7, "thanks")
        users = api.http.get("/sim/users").json()
        transcripts = {user_id: api.transcript(user_id) for user_id in (7, 8)}
    assert [m["toasts"][0]["text"] for m in transcripts[7]["messages"] if m["toasts"]] == ["Liked"]
    assert transcripts[8]["deleted"] == [doomed.message_id]

    with sandbox_on(tmp_path) as (server, api):
        assert api.http.get("/sim/users").json() == users
        # Texts, entities, keyboards (as edited), photos, toasts, deletions and seqs, all as they were.
        assert {user_id: api.transcript(user_id) for user_id in (7, 8)} == transcripts
        async with ptb_bot(server) as bot:
            assert (await bot.get_me()).username == "sandbox_123456_bot"
            again = await bot.send_photo(8, photo.photo[-1].file_id)  # the old file_id still works
            assert again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id
            file = await bot.get_file(photo.photo[-1].file_id)
            assert bytes(await file.download_as_bytearray()) == png
            resent = await bot.send_document(7, report.document.file_id)
            assert resent.document.file_name == "report.csv"
            # Old messages can still be edited; new ones get ids never used in their chat.
            await bot.edit_message_reply_markup(7, hello.message_id, reply_markup=None)
            welcome = await bot.send_message(7, "Welcome back")
            assert welcome.message_id > max(m["message_id"] for m in transcripts[7]["messages"])
            assert again.message_id > doomed.message_id
        assert api.transcript(7)["seq"] > transcripts[7]["seq"]


def test_updates_not_yet_confirmed_are_delivered_after_a_restart(tmp_path: Path) -> None:
    with sandbox_on(tmp_path) as (_server, api):
        api.ok("getMe")
        api.user(7)
        for text in ("one", "two", "three"):
            api.say(7, text)
        wait_until(lambda: on_disk(tmp_path, "updates") == 3)  # saved, then one confirmed
        (first,) = api.ok("getUpdates", limit=1)
        api.ok("getUpdates", offset=first["update_id"] + 1, limit=1)  # confirms "one"

    with sandbox_on(tmp_path) as (_server, api):
        pending = api.ok("getUpdates")
        assert [u["message"]["text"] for u in pending] == ["two", "three"]
        api.say(7, "four")
        later = api.ok("getUpdates", offset=pending[-1]["update_id"] + 1)
        assert [u["message"]["text"] for u in later] == ["four"]
        assert later[0]["update_id"] > pending[-1]["update_id"]


def test_a_blocked_user_is_still_blocked_after_a_restart(tmp_path: Path) -> None:
    with sandbox_on(tmp_path) as (_server, api):
        api.user(7)
        api.user(8)
        api.ok("getUpdates", allowed_updates=["message"])  # no my_chat_member update to queue
        wait_until(lambda: on_disk(tmp_path, "bots") == 1)  # saved, then the person blocks it
        assert api.sim("POST", "/sim/users/7/block").status_code == 200

    with sandbox_on(tmp_path) as (_server, api):
        assert api.error("sendMessage", chat_id=7, text="hi") == (
            403,
            "Forbidden: bot was blocked by the user",
        )
        assert api.transcript(7)["blocked"] is True
        api.ok("sendMessage", chat_id=8, text="hi")
        assert api.sim("POST", "/sim/users/7/unblock").status_code == 200
        api.ok("sendMessage", chat_id=7, text="hi again")


def test_commands_menu_button_and_profile_outlive_a_restart(tmp_path: Path) -> None:
    commands = [
        {"command": "start", "description": "Start"},
        {"command": "cart", "description": "Cart"},
    ]
    zh_commands = [{"command": "start", "description": "开始"}]
    with sandbox_on(tmp_path) as (_server, api):
        api.user(7)
        api.ok("setMyCommands", commands=commands)
        api.ok("setMyCommands", commands=zh_commands, language_code="zh")
        api.ok("setChatMenuButton", chat_id=7, menu_button={"type": "commands"})
        api.ok("setMyName", name="Vitrine", language_code="zh")
        api.ok("setMyShortDescription", short_description="Shop with fans")

    with sandbox_on(tmp_path) as (_server, api):
        assert api.ok("getMyCommands") == commands
        assert api.ok("getMyCommands", language_code="zh") == zh_commands
        menu = api.sim("GET", "/sim/commands", params={"language_code": "zh-hans", "user_id": 7})
        assert menu.json() == zh_commands
        assert api.ok("getChatMenuButton", chat_id=7) == {"type": "commands"}
        assert api.ok("getMyName", language_code="zh") == {"name": "Vitrine"}
        assert api.ok("getMyShortDescription") == {"short_description": "Shop with fans"}


def test_mini_app_key_apps_write_access_and_prepared_messages_outlive_a_restart(
    tmp_path: Path,
) -> None:
    article = {
        "type": "article",
        "id": "deal",
        "title": "Deal",
        "input_message_content": {"message_text": "20% off"},
    }
    with sandbox_on(tmp_path) as (_server, api):
        api.user(7, "Ann")
        api.user(8, "Bo")
        api.ok("getMe")
        key = api.http.get("/sim/webapp/key").json()
        username = api.ok("getMe")["username"]
        app = {"short_name": "shop", "url": "http://127.0.0.1:9/shop"}
        api.http.post(f"/sim/bots/{username}/apps", json=app).raise_for_status()
        api.sim("POST", "/sim/users/7/write-access").raise_for_status()
        prepared = api.ok(
            "savePreparedInlineMessage", user_id=7, result=article, allow_user_chats=True
        )

    with sandbox_on(tmp_path) as (_server, api):
        assert api.http.get("/sim/webapp/key").json() == key
        assert api.http.get(f"/sim/bots/{username}/apps").json() == [app]
        opened = api.http.post(
            "/sim/users/7/open-link", json={"url": f"https://t.me/{username}/shop"}
        ).json()
        user = json.loads(dict(parse_qsl(opened["init_data"]))["user"])
        assert user["allows_write_to_pm"] is True
        sent = api.sim(
            "POST", f"/sim/users/7/prepared-messages/{prepared['id']}/send", json={"to_user": 8}
        )
        assert sent.status_code == 200, sent.text
        assert api.transcript(8)["messages"][-1]["text"] == "20% off"


def test_a_webhook_stays_set_and_delivers_what_was_pending(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []
    healthy = threading.Event()

    async def hook(request: Request) -> Response:
        if not healthy.is_set():
            return Response(status_code=500)
        received.append(json.loads(await request.body()))
        return Response()

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    with serving(receiver) as url:
        with sandbox_on(tmp_path) as (_server, api):
            api.user(7)
            api.ok("setWebhook", url=url + "/hook", secret_token="s3cret")
            api.say(7, "while the bot was down")
            wait_until(lambda: api.ok("getWebhookInfo").get("last_error_message"))
        healthy.set()
        with sandbox_on(tmp_path) as (_server, api):
            wait_until(lambda: received)
            assert [u["message"]["text"] for u in received] == ["while the bot was down"]
            info = api.ok("getWebhookInfo")
            assert (info["url"], info["pending_update_count"]) == (url + "/hook", 0)
            assert api.error("getUpdates")[0] == 409  # still in webhook mode


def test_a_press_before_a_restart_can_be_answered_after_it(tmp_path: Path) -> None:
    with sandbox_on(tmp_path) as (_server, api):
        api.user(7)
        sent = api.ok("sendMessage", chat_id=7, text="Like it?", reply_markup=KEYBOARD.to_dict())
        query_id = press(api, 7, sent["message_id"], "like")

    with sandbox_on(tmp_path) as (_server, api):
        (update,) = api.drain()
        assert update["callback_query"]["id"] == query_id
        api.ok("answerCallbackQuery", callback_query_id=query_id, text="Thanks")
        assert api.error("answerCallbackQuery", callback_query_id=query_id)[0] == 400  # once only
        assert api.http.get(f"/sim/callbacks/{query_id}").json()["text"] == "Thanks"
        (message,) = api.transcript(7)["messages"]
        assert [t["text"] for t in message["toasts"]] == ["Thanks"]


def test_an_answered_inline_query_can_be_shared_and_edited_after_restarts(tmp_path: Path) -> None:
    results = [
        {
            "type": "article",
            "id": "w42",
            "title": "Window 42",
            "input_message_content": {"message_text": "Window 42"},
            "reply_markup": {"inline_keyboard": [[{"text": "Open", "callback_data": "open:42"}]]},
        }
    ]
    with sandbox_on(tmp_path) as (_server, api):
        api.ok("getMe")
        api.user(7)
        api.user(8)
        answers: list[httpx.Response] = []
        asking = threading.Thread(  # the person waits for the answer; the bot answers meanwhile
            target=lambda: answers.append(
                httpx.post(
                    f"{api.url}/sim/users/7/inline",
                    params={"token": TOKEN},
                    json={"query": "t"},
                    timeout=30,
                )
            )
        )
        asking.start()
        (update,) = wait_until(lambda: api.ok("getUpdates", timeout=1))
        api.ok("answerInlineQuery", inline_query_id=update["inline_query"]["id"], results=results)
        asking.join()
        assert answers[0].status_code == 200, answers[0].text
        api.ok("getUpdates", offset=update["update_id"] + 1)

    with sandbox_on(tmp_path) as (_server, api):
        shared = api.sim(
            "POST", "/sim/users/7/inline/choose", json={"result_id": "w42", "to_user": 8}
        )
        assert shared.status_code == 200, shared.text
        (chosen,) = api.drain()
        inline_message_id = chosen["chosen_inline_result"]["inline_message_id"]

    with sandbox_on(tmp_path) as (_server, api):
        api.ok("editMessageText", inline_message_id=inline_message_id, text="Window 42 (sold out)")
        (message,) = api.transcript(8)["messages"]
        assert (message["text"], message["via_bot"]) == (
            "Window 42 (sold out)",
            "@sandbox_123456_bot",
        )


def test_reset_forgets_the_saved_state_too(tmp_path: Path, png: bytes) -> None:
    with sandbox_on(tmp_path) as (_server, api):
        api.user(7)
        photo = api.http.post(
            f"/bot{TOKEN}/sendPhoto", data={"chat_id": "7"}, files={"photo": ("p.png", png)}
        ).json()["result"]["photo"][0]["file_id"]
        wait_until(lambda: on_disk(tmp_path, "files") == 1)
        assert api.http.post("/sim/reset").status_code == 200
        api.user(9, "Cy")

    with sandbox_on(tmp_path) as (_server, api):
        assert [u["id"] for u in api.http.get("/sim/users").json()] == [9]
        assert api.error("sendPhoto", chat_id=9, photo=photo) == (
            400,
            "Bad Request: wrong file identifier/HTTP URL specified",
        )
        assert api.ok("sendMessage", chat_id=9, text="hi")["message_id"] == 1


def test_a_second_sandbox_cannot_share_a_state_dir(tmp_path: Path) -> None:
    with sandbox_on(tmp_path), pytest.raises(OSError, match="another sandbox"):
        SandboxServer(state_dir=tmp_path)
    with sandbox_on(tmp_path) as (_server, api):  # free again once the first one stopped
        api.ok("getMe")


def saved_ceilings(state_dir: Path) -> dict[str, int]:
    """The counter ceilings on disk now (no number above them has been handed out)."""
    uri = f"file:{state_dir / FILE_NAME}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        (value,) = db.execute("SELECT value FROM meta WHERE key = 'ceilings'").fetchone()
    return dict(json.loads(value))


def test_a_burst_past_the_headroom_raises_the_ceilings_on_disk_before_going_on(
    tmp_path: Path,
) -> None:
    # No periodic save in this test: only the ceiling check can put numbers on disk.
    with sandbox_on(tmp_path, state_save_seconds=3600) as (_server, api):
        api.user(7)
        start = saved_ceilings(tmp_path)
        for n in range(start["seq"] + 10):
            api.say(7, f"burst {n}")
        updates = api.ok("getUpdates", offset=-1)
        on_disk = saved_ceilings(tmp_path)
        assert on_disk["seq"] >= api.transcript(7)["seq"] > start["seq"]
        assert on_disk["update"] >= updates[-1]["update_id"] > start["update"]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _other_version(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE meta SET value = '999' WHERE key = 'version'")


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 500)


@pytest.mark.parametrize("damage", [_garbage, _truncate, _other_version])
def test_an_unreadable_state_file_is_set_aside_and_the_sandbox_starts_empty(
    tmp_path: Path, png: bytes, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with sandbox_on(tmp_path) as (_server, api):
        api.user(7)
        for _ in range(20):  # enough pages that half a file is missing some
            api.http.post(f"/bot{TOKEN}/sendPhoto", data={"chat_id": "7"}, files={"photo": png})
    state = tmp_path / FILE_NAME
    damage(state)
    damaged = state.read_bytes()

    with (
        caplog.at_level(logging.ERROR, logger="sandbox.persistence"),
        sandbox_on(tmp_path) as (
            _server,
            api,
        ),
    ):
        assert api.http.get("/sim/users").json() == []
        api.user(8, "Bo")
    # The first sandbox's INFO "loaded" line may be captured too when a test before this one
    # left the root logger at INFO; the one error is what this test is about.
    (record,) = [
        r for r in caplog.records if r.name == "sandbox.persistence" and r.levelno >= logging.ERROR
    ]
    assert "unreadable" in record.getMessage() and "starting empty" in record.getMessage()
    (aside,) = tmp_path.glob(f"{FILE_NAME}.unreadable-*[0-9]")
    assert aside.read_bytes() == damaged  # kept for a look, not deleted
    assert aside.name in record.getMessage()

    with sandbox_on(tmp_path) as (_server, api):  # the fresh file is saved and read as usual
        assert [u["id"] for u in api.http.get("/sim/users").json()] == [8]


def _start(log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, *args], cwd=log.parent, stdout=output, stderr=subprocess.STDOUT
        )


def _wait_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    def up() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return httpx.get(url + "/sim/bots").status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=30)


@contextlib.contextmanager
def killed_at_the_end(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Run the block, then SIGKILL `process` (no last save, like a crash)."""
    try:
        yield
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def test_a_killed_sandbox_loses_only_unsaved_changes_and_never_reuses_an_id(
    tmp_path: Path,
) -> None:
    state_dir, port = tmp_path / "state", free_port()
    url = f"http://127.0.0.1:{port}"
    # `vitrine sandbox --state-dir`, saving every 0.2 s, killed once its messages are on disk.
    args = ("--port", str(port), "--limits", "off", "--state-dir", str(state_dir))
    first = _start(tmp_path / "first.log", "-m", "bot.cli", "sandbox", *args)
    with killed_at_the_end(first), api_on(url) as api:
        _wait_serving(url, first, tmp_path / "first.log")
        api.user(7)
        saved = [api.ok("sendMessage", chat_id=7, text=f"saved {n}")["message_id"] for n in (1, 2)]
        wait_until(lambda: on_disk(state_dir, "messages") == 2)

    # This one saves once an hour: what it does after its start is lost when it is killed.
    code = (
        "import asyncio, sys; from sandbox.server import serve; "
        "asyncio.run(serve('127.0.0.1', int(sys.argv[1]), 'off', state_dir=sys.argv[2], "
        "state_save_seconds=3600))"
    )
    second = _start(tmp_path / "second.log", "-c", code, str(port), str(state_dir))
    with killed_at_the_end(second), api_on(url) as api:
        _wait_serving(url, second, tmp_path / "second.log")
        assert [m["text"] for m in api.transcript(7)["messages"]] == ["saved 1", "saved 2"]
        lost = [api.ok("sendMessage", chat_id=7, text=f"lost {n}")["message_id"] for n in (1, 2)]
        assert min(lost) > max(saved)
        api.say(7, "unsaved update")
        (seen_update,) = api.ok("getUpdates")
        seq_seen = api.transcript(7)["seq"]

    with sandbox_on(state_dir) as (_server, api):
        assert [m["message_id"] for m in api.transcript(7)["messages"]] == saved
        after = api.ok("sendMessage", chat_id=7, text="after the crash")
        assert after["message_id"] > max(lost)  # the bot may still hold the lost ids: never reused
        api.say(7, "new update")
        (update,) = api.ok("getUpdates")
        assert update["update_id"] > seen_update["update_id"]
        assert api.transcript(7)["seq"] > seq_seen
