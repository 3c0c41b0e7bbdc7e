"""An unmodified python-telegram-bot parses everything the sandbox answers, in both update modes."""

# PTB types most fields Optional; these tests assert the values, so None would fail anyway.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import telegram
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    MenuButtonCommands,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from sandbox.server import SandboxServer
from tests.sandbox.harness import TOKEN, Api, async_wait_until, serving

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Like", callback_data="like"),
            InlineKeyboardButton("Shop", url="https://e.x/"),
        ]
    ]
)


@pytest.fixture
def people(api: Api) -> Api:
    api.user(7, "Ann", "en")
    api.user(8, "Bo", "zh-hans")
    return api


async def test_sent_and_edited_messages_parse(bot: telegram.Bot, people: Api, png: bytes) -> None:
    text = await bot.send_message(
        7, "<b>Hi</b> Ann", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )
    assert text.text == "Hi Ann"
    assert text.entities[0].type == "bold"
    assert text.reply_markup == KEYBOARD
    assert text.from_user.is_bot and text.chat.type == "private"

    photo = await bot.send_photo(7, png, caption="A <i>photo</i>", parse_mode=ParseMode.HTML)
    assert (photo.photo[-1].width, photo.photo[-1].height) == (40, 30)
    assert photo.caption == "A photo"
    again = await bot.send_photo(8, photo.photo[-1].file_id)  # resend by file_id
    assert again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id

    report = await bot.send_document(8, b"id,total\n1,9.90\n", filename="report.csv")
    assert report.document.file_name == "report.csv"
    with pytest.raises(BadRequest, match=r"(?i)use file of type photo as document"):
        await bot.send_document(8, photo.photo[-1].file_id)

    album = await bot.send_media_group(7, [InputMediaPhoto(png), InputMediaPhoto(png, caption="2")])
    assert len(album) == 2
    assert album[0].media_group_id == album[1].media_group_id is not None

    edited = await bot.edit_message_text("Bye", chat_id=7, message_id=text.message_id)
    assert edited.text == "Bye" and edited.edit_date is not None and edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Bye", chat_id=7, message_id=text.message_id)
    await bot.edit_message_reply_markup(7, text.message_id, reply_markup=KEYBOARD)
    recaptioned = await bot.edit_message_caption(7, photo.message_id, caption="New")
    assert recaptioned.caption == "New"
    swapped = await bot.edit_message_media(
        InputMediaDocument(b"a,b\n", filename="swap.csv"), chat_id=7, message_id=photo.message_id
    )
    assert swapped.document.file_name == "swap.csv" and not swapped.photo
    assert await bot.delete_message(7, album[0].message_id) is True

    transcript = people.transcript(7)["messages"]
    assert [m["message_id"] for m in transcript] == [1, 2, 4]
    assert transcript[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "like"
    assert transcript[1]["document"]["file_name"] == "swap.csv"
    downloaded = people.http.get(transcript[1]["document"]["url"]).content
    assert downloaded == b"a,b\n"


async def test_chat_commands_menu_webhook_info_and_files_parse(
    bot: telegram.Bot, people: Api, png: bytes
) -> None:
    chat = await bot.get_chat(8)
    assert (chat.id, chat.first_name, chat.type) == (8, "Bo", "private")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("", 0)
    sent = await bot.send_photo(7, png)
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == png
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(404, "x")


async def test_every_update_type_parses(bot: telegram.Bot, people: Api, png: bytes) -> None:
    sent = await bot.send_message(7, "Pick", reply_markup=KEYBOARD)
    people.say(7, "/start deep")
    people.sim("POST", "/sim/users/7/messages", files={"photo": ("p.png", png, "image/png")})
    people.sim(
        "POST", "/sim/users/7/callbacks", json={"message_id": sent.message_id, "data": "like"}
    )
    people.sim("POST", "/sim/users/8/block")
    updates = await bot.get_updates()
    command, photo, press, blocked = updates
    assert command.message.text == "/start deep"
    assert command.message.entities[0].type == "bot_command"
    assert photo.message.photo[-1].width == 40
    assert press.callback_query.data == "like"
    assert press.callback_query.message.message_id == sent.message_id
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(8, "hello?")
    assert await press.callback_query.answer("Thanks")

    # Inline mode: the sim waits for answerInlineQuery, so ask and answer concurrently.
    await bot.get_updates(offset=updates[-1].update_id + 1)
    async with httpx.AsyncClient(base_url=people.url, timeout=30) as client:
        asking = asyncio.create_task(
            client.post("/sim/users/7/inline", params={"token": TOKEN}, json={"query": "q"})
        )
        (inline,) = await bot.get_updates(timeout=5)
        await inline.inline_query.answer(
            [
                telegram.InlineQueryResultArticle(
                    "r1",
                    "Result",
                    telegram.InputTextMessageContent("Shared"),
                    reply_markup=KEYBOARD,
                )
            ]
        )
        assert (await asking).status_code == 200
    people.sim("POST", "/sim/users/7/inline/choose", json={"result_id": "r1", "to_user": 7})
    (chosen,) = await bot.get_updates(offset=inline.update_id + 1)
    assert chosen.chosen_inline_result.result_id == "r1"
    assert chosen.chosen_inline_result.inline_message_id


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the person, echoing the deep-link payload, with a button."""
    payload = " ".join(context.args or [])
    await update.effective_message.reply_text(f"Welcome ({payload})", reply_markup=KEYBOARD)


async def like(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press first, then mark the message as liked."""
    await update.callback_query.answer("Liked")
    await update.callback_query.edit_message_text("Liked ✓")


def build_application(server: SandboxServer) -> Application:
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(server.bot_api_url)
        .base_file_url(server.file_api_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(like, pattern="^like$"))
    return application


async def journey(api: Api) -> None:
    """A person starts the bot with a deep link, sees the welcome and presses Like."""
    api.user(7)
    api.say(7, "/start w_42")
    welcome = await async_wait_until(
        lambda: [m for m in api.transcript(7)["messages"] if m["from"] == "bot"]
    )
    assert welcome[0]["text"] == "Welcome (w_42)"
    api.sim(
        "POST",
        "/sim/users/7/callbacks",
        json={"message_id": welcome[0]["message_id"], "data": "like"},
    )

    def answered() -> dict | None:
        transcript = api.transcript(7)
        return transcript if transcript["toasts"] and transcript["messages"][1]["edited"] else None

    liked = await async_wait_until(answered)
    assert liked["toasts"][0]["text"] == "Liked"
    assert liked["messages"][1]["text"] == "Liked ✓"


async def test_application_in_polling_mode_answers_a_person(server: SandboxServer) -> None:
    application = build_application(server)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            api = Api(server.url)
            await journey(api)
            # A reset while the bot polls: the bot keeps working with the fresh sandbox.
            api.http.post("/sim/reset").raise_for_status()
            await journey(api)
        finally:
            await application.updater.stop()
            await application.stop()


@pytest.fixture
async def webhook_application(server: SandboxServer) -> AsyncIterator[tuple[Application, str]]:
    """The same application, fed by a Starlette webhook (PTB's customwebhookbot pattern)."""
    application = build_application(server)

    async def telegram_webhook(request: Request) -> Response:
        if request.headers.get("x-telegram-bot-api-secret-token") != "hook-secret":
            return Response(status_code=403)
        # The receiver runs on its own thread's loop; hand the update to the app's loop.
        update = Update.de_json(await request.json(), application.bot)
        asyncio.run_coroutine_threadsafe(application.update_queue.put(update), loop)
        return Response()

    loop = asyncio.get_running_loop()
    receiver = Starlette(routes=[Route("/telegram", telegram_webhook, methods=["POST"])])
    with serving(receiver) as url:
        async with application:
            await application.start()
            yield application, url + "/telegram"
            await application.stop()


async def test_application_in_webhook_mode_answers_a_person(
    server: SandboxServer, webhook_application: tuple[Application, str]
) -> None:
    application, url = webhook_application
    await application.bot.set_webhook(url, secret_token="hook-secret")
    await journey(Api(server.url))
    info = await application.bot.get_webhook_info()
    assert info.url == url
    assert info.last_error_message is None
    await application.bot.delete_webhook()
