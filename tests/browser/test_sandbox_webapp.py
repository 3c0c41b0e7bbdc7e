"""The chat page as the Telegram client of Mini Apps, in headless Chromium.

A tiny Mini App, served by the test on a loopback port of its own (another origin, as a real
app is), loads the sandbox's /telegram-web-app.js: it shows who opened it, sets up a MainButton
and a BackButton, and its backend turns the signed initData into a savePreparedInlineMessage id
that the page shares with shareMessage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Frame, FrameLocator, Locator, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from telegram_webapp_auth.auth import TelegramAuthenticator, generate_secret_key

from sandbox.server import SandboxServer
from tests.sandbox.harness import serving

TOKEN = "7000002:SandboxWebAppTestBot"
BOT_USERNAME = "sandbox_7000002_bot"
FAN, BO, CY = 1001, 1002, 1003
EXTERNAL_PAGE = "https://example.com/page"

APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Test app</title>
<script src="__SANDBOX__/telegram-web-app.js"></script></head>
<body style="background: var(--tg-theme-bg-color)">
<p id="name"></p><p id="start"></p><p id="scheme"></p><p id="query"></p>
<button id="open-link">Open link</button>
<button id="share">Share</button>
<button id="share-unknown">Share unknown</button>
<button id="write">Ask to write</button>
<button id="close">Close</button>
<ol id="log"></ol>
<script>
  const tg = window.Telegram.WebApp;
  const log = (line) => {
    const item = document.createElement("li");
    item.textContent = line;
    document.getElementById("log").appendChild(item);
  };
  document.getElementById("name").textContent = tg.initDataUnsafe.user ? tg.initDataUnsafe.user.first_name : "";
  document.getElementById("start").textContent = tg.initDataUnsafe.start_param || "";
  document.getElementById("scheme").textContent = tg.colorScheme;
  document.getElementById("query").textContent = tg.initDataUnsafe.query_id ? "query" : "no query";
  tg.MainButton.setParams({ text: "Buy now", color: "#e53935", text_color: "#ffffff" });
  tg.MainButton.show();
  tg.MainButton.onClick(() => { log("main"); tg.MainButton.showProgress(); });
  tg.BackButton.show();
  tg.BackButton.onClick(() => { log("back"); tg.BackButton.hide(); });
  tg.onEvent("themeChanged", () => {
    document.getElementById("scheme").textContent = tg.colorScheme;
    log("theme " + tg.colorScheme);
  });
  tg.onEvent("shareMessageSent", () => log("sent"));
  tg.onEvent("shareMessageFailed", (event) => log("failed " + event.error));
  document.getElementById("open-link").onclick = () => tg.openLink("__EXTERNAL__");
  document.getElementById("share").onclick = async () => {
    const answer = await fetch("/prepare", { method: "POST", body: tg.initData });
    const { id } = await answer.json();
    tg.shareMessage(id, (shared) => log("share " + shared));
  };
  document.getElementById("share-unknown").onclick = () => tg.shareMessage("nope", (shared) => log("share " + shared));
  document.getElementById("write").onclick = () => tg.requestWriteAccess((allowed) => log("write " + allowed));
  document.getElementById("close").onclick = () => tg.close();
  tg.ready();
</script></body></html>
"""


@dataclass
class MiniApp:
    """The test's Mini App: its address, and the sandbox it belongs to."""

    url: str
    sandbox: SandboxServer

    def bot_api(self, method: str, **params: Any) -> Any:
        """Call the Bot API as the app's bot; return the result."""
        # Telegram's test environment: the app is on http:// loopback.
        url = self.sandbox.test_bot_api_url.format(token=TOKEN)
        response = httpx.post(f"{url}/{method}", json=params)
        assert response.json()["ok"] is True, response.text
        return response.json()["result"]


def mini_app_routes(sandbox: SandboxServer) -> Starlette:
    """The app's page and its backend (which checks initData as a real one must)."""

    async def page(request: Request) -> Response:
        html = APP_PAGE.replace("__SANDBOX__", sandbox.url).replace("__EXTERNAL__", EXTERNAL_PAGE)
        return HTMLResponse(html)

    async def prepare(request: Request) -> Response:
        init_data = (await request.body()).decode()
        user = TelegramAuthenticator(generate_secret_key(TOKEN)).validate(init_data).user
        assert user is not None
        async with httpx.AsyncClient() as client:
            saved = await client.post(
                f"{sandbox.test_bot_api_url.format(token=TOKEN)}/savePreparedInlineMessage",
                json={
                    "user_id": user.id,
                    "result": {
                        "type": "article",
                        "id": "deal",
                        "title": "Deal",
                        "input_message_content": {"message_text": "A deal from the app"},
                    },
                    "allow_user_chats": True,
                },
            )
        return JSONResponse({"id": saved.json()["result"]["id"]})

    return Starlette(routes=[Route("/app", page), Route("/prepare", prepare, methods=["POST"])])


@pytest.fixture
def mini_app(sandbox: SandboxServer) -> Iterator[MiniApp]:
    """The app served on a loopback port; its bot known to the sandbox, three people created."""
    with serving(mini_app_routes(sandbox)) as url:
        app = MiniApp(url + "/app", sandbox)
        app.bot_api("getMe")
        for user_id, name in ((FAN, "Fan"), (BO, "Bo"), (CY, "Cy")):
            created = httpx.post(
                f"{sandbox.url}/sim/users", json={"id": user_id, "first_name": name}
            )
            created.raise_for_status()
        yield app


def open_chat(page: Page, sandbox: SandboxServer, query: str = "") -> Locator:
    """Open the chat page for the three people; return the fan's panel."""
    page.goto(f"{sandbox.url}/?users={FAN}:Fan,{BO}:Bo,{CY}:Cy{query}")
    fan = page.locator(f'.panel[data-user-id="{FAN}"]')
    expect(fan).to_be_visible()
    return fan


def app_frame(page: Page) -> FrameLocator:
    return page.frame_locator("#webapp-frame")


def live_frame(page: Page) -> Frame:
    handle = page.locator("#webapp-frame").element_handle()
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    return frame


def send_web_app_button(app: MiniApp, text: str = "Open the shop") -> None:
    app.bot_api(
        "sendMessage",
        chat_id=FAN,
        text=text,
        reply_markup={"inline_keyboard": [[{"text": "Shop", "web_app": {"url": app.url}}]]},
    )


def open_from_button(page: Page, app: MiniApp) -> FrameLocator:
    """The fan presses the web_app button of the bot's message; return the app's frame."""
    send_web_app_button(app)
    fan = open_chat(page, app.sandbox)
    fan.locator(".inline-button.webapp-button", has_text="Shop").click()
    expect(page.locator("#webapp-panel")).to_be_visible()
    frame = app_frame(page)
    expect(frame.locator("#name")).to_have_text("Fan")
    return frame


def test_a_web_app_button_opens_the_signed_app_with_its_buttons(
    page: Page, mini_app: MiniApp, artifacts_dir: Path
) -> None:
    frame = open_from_button(page, mini_app)
    panel = page.locator("#webapp-panel")
    box = panel.bounding_box()
    assert box is not None and 380 <= box["width"] <= 400 and 700 <= box["height"] <= 740
    expect(page.locator("#webapp-title")).to_have_text("Sandbox Bot")
    expect(panel).to_have_attribute("data-ready", "true")
    expect(frame.locator("#query")).to_have_text("query")  # an inline button's launch

    # The app got what Telegram gives it: signed initData, version, platform, theme variables.
    app = live_frame(page)
    init_data = app.evaluate("Telegram.WebApp.initData")
    parsed = TelegramAuthenticator(generate_secret_key(TOKEN)).validate(init_data)
    assert parsed.user is not None and parsed.user.id == FAN
    assert app.evaluate("[Telegram.WebApp.version, Telegram.WebApp.platform]") == ["8.0", "weba"]
    assert app.evaluate("Telegram.WebApp.initDataUnsafe.user.id") == FAN
    css = "getComputedStyle(document.documentElement).getPropertyValue('--tg-theme-bg-color')"
    assert app.evaluate(css).strip() == "#ffffff"
    expect(frame.locator("#scheme")).to_have_text("light")

    # The MainButton is a bar under the frame; pressing it reaches the app's onClick.
    main = page.locator("#webapp-main-button")
    expect(main).to_have_text("Buy now")
    expect(main).to_have_css("background-color", "rgb(229, 57, 53)")
    main.click()
    expect(frame.locator("#log li")).to_have_text(["main"])
    expect(main).to_be_disabled()  # showProgress() without leaveActive
    expect(main).to_have_attribute("data-progress", "true")

    # The back arrow shows while the app's BackButton does.
    back = page.locator("#webapp-back")
    expect(back).to_be_visible()
    back.click()
    expect(frame.locator("#log li")).to_have_text(["main", "back"])
    expect(back).to_be_hidden()
    page.screenshot(path=str(artifacts_dir / "sandbox_webapp_panel.png"))

    page.locator("#webapp-close").click()
    expect(panel).to_be_hidden()


def test_the_app_closes_itself_and_open_link_opens_a_new_tab(page: Page, mini_app: MiniApp) -> None:
    context = page.context
    context.route(EXTERNAL_PAGE, lambda route: route.fulfill(body="elsewhere"))
    frame = open_from_button(page, mini_app)
    with context.expect_page() as opened:
        frame.locator("#open-link").click()
    assert opened.value.url == EXTERNAL_PAGE
    expect(page.locator("#webapp-panel")).to_be_visible()
    frame.locator("#close").click()
    expect(page.locator("#webapp-panel")).to_be_hidden()


def test_only_the_apps_own_frame_is_listened_to(page: Page, mini_app: MiniApp) -> None:
    open_from_button(page, mini_app)
    # The page itself (or any window but the app's) cannot drive the panel.
    page.evaluate(
        """() => {
          window.postMessage(JSON.stringify({ eventType: "web_app_close", eventData: {} }), "*");
          const other = document.createElement("iframe");
          document.body.appendChild(other);
          other.contentWindow.parent.postMessage(
            JSON.stringify({ eventType: "web_app_setup_back_button", eventData: { is_visible: false } }),
            "*");
        }"""
    )
    page.wait_for_timeout(150)
    expect(page.locator("#webapp-panel")).to_be_visible()
    expect(page.locator("#webapp-back")).to_be_visible()


def test_share_message_sends_the_prepared_message_to_the_chosen_person(
    page: Page, mini_app: MiniApp
) -> None:
    frame = open_from_button(page, mini_app)
    frame.locator("#share").click()
    chooser = page.locator("#webapp-share-chooser")
    expect(chooser).to_be_visible()
    expect(chooser.locator("button")).to_have_text(["Bo", "Cy"])  # everyone but the fan
    chooser.locator("button", has_text="Bo").click()
    expect(chooser).to_be_hidden()
    expect(frame.locator("#log li")).to_have_text(["sent", "share true"])
    bo = page.locator(f'.panel[data-user-id="{BO}"]')
    shared = bo.locator(".message-row.from-bot").last
    expect(shared.locator(".text")).to_have_text("A deal from the app")
    expect(shared.locator(".via")).to_have_text(f"Fan via @{BOT_USERNAME}")

    # Cancelling, or an id the bot never saved, fails the share.
    frame.locator("#share").click()
    expect(chooser).to_be_visible()
    page.locator("#webapp-share-cancel").click()
    expect(frame.locator("#log li")).to_have_text(
        ["sent", "share true", "failed USER_DECLINED", "share false"]
    )
    frame.locator("#share-unknown").click()
    expect(frame.locator("#log li")).to_have_text(
        [
            "sent",
            "share true",
            "failed USER_DECLINED",
            "share false",
            "failed UNKNOWN_ERROR",
            "share false",
        ]
    )
    expect(chooser).to_be_hidden()


def test_request_write_access_allows_the_bot_to_write(page: Page, mini_app: MiniApp) -> None:
    frame = open_from_button(page, mini_app)
    frame.locator("#write").click()
    expect(frame.locator("#log li")).to_have_text(["write true"])
    fan = page.locator(f'.panel[data-user-id="{FAN}"]')
    expect(fan.locator(".service")).to_have_text("You allowed this bot to message you.")
    transcript = httpx.get(f"{mini_app.sandbox.url}/sim/users/{FAN}/transcript").json()
    assert transcript["messages"][-1]["service"] == {"write_access_allowed": {"from_request": True}}


def test_the_menu_button_opens_the_app_in_the_chosen_theme(page: Page, mini_app: MiniApp) -> None:
    menu = {"type": "web_app", "text": "Shop now", "web_app": {"url": mini_app.url}}
    mini_app.bot_api("setChatMenuButton", chat_id=FAN, menu_button=menu)
    open_chat(page, mini_app.sandbox, "&theme=dark")
    button = page.locator("#menu-button")
    expect(button).to_have_text("Shop now")
    expect(page.locator("#theme-switch")).to_be_checked()
    button.click()
    frame = app_frame(page)
    expect(frame.locator("#scheme")).to_have_text("dark")
    expect(frame.locator("#query")).to_have_text("query")
    # Switching the theme reaches the open app as themeChanged.
    page.locator("#theme-switch").uncheck()
    expect(frame.locator("#scheme")).to_have_text("light")
    expect(frame.locator("#log li")).to_have_text(["theme light"])
    # Other chats keep the default menu button (commands).
    expect(page.locator(f"#menu-button-{BO}")).to_have_text("/")


def test_a_reply_keyboard_button_and_a_direct_link_open_the_app(
    page: Page, mini_app: MiniApp
) -> None:
    registered = httpx.post(
        f"{mini_app.sandbox.url}/sim/bots/{BOT_USERNAME}/apps",
        json={"short_name": "shop", "url": mini_app.url},
    )
    registered.raise_for_status()
    link = f"https://t.me/{BOT_USERNAME}/shop?startapp=promo_7"
    mini_app.bot_api(
        "sendMessage",
        chat_id=FAN,
        text=f'Our <a href="{link}">shop</a> is open',
        parse_mode="HTML",
        reply_markup={"keyboard": [[{"text": "Open shop", "web_app": {"url": mini_app.url}}]]},
    )
    fan = open_chat(page, mini_app.sandbox)
    fan.locator(".messages a", has_text="shop").click()
    frame = app_frame(page)
    expect(frame.locator("#start")).to_have_text("promo_7")
    expect(frame.locator("#query")).to_have_text("no query")
    assert page.url.startswith(mini_app.sandbox.url)  # the page did not navigate away
    page.locator("#webapp-close").click()

    fan.locator(".reply-keyboard .reply-button", has_text="Open shop").click()
    expect(page.locator("#webapp-panel")).to_be_visible()
    expect(frame.locator("#name")).to_have_text("Fan")
    expect(frame.locator("#start")).to_have_text("")
    expect(frame.locator("#query")).to_have_text("no query")  # keyboard buttons use sendData
    # Pressing the web_app button sent no text to the bot.
    sent = json.loads(httpx.get(f"{mini_app.sandbox.url}/sim/users/{FAN}/transcript").text)
    assert [m["from"] for m in sent["messages"]] == ["bot"]
