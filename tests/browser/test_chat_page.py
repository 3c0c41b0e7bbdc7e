"""The sandbox chat page in headless Chromium: a fan starts the bot, presses buttons, stays safe."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from sandbox.server import SandboxServer

if TYPE_CHECKING:
    from tests.browser.conftest import BotUnderTest

FAN_ID = 1001
HOSTILE_MARKUP = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'


def panel_of(page: Page, user_id: int) -> Locator:
    """Return the chat panel of one simulated user."""
    return page.locator(f'.panel[data-user-id="{user_id}"]')


def send_as_user(panel: Locator, text: str) -> None:
    """Type `text` into a panel's message box and press Enter."""
    box = panel.locator(".text-input")
    box.fill(text)
    box.press("Enter")


def call_bot_api(sandbox: SandboxServer, token: str, method: str, **params: Any) -> httpx.Response:
    """Call a Bot API method on the sandbox as the bot, the way any bot would."""
    return httpx.post(f"{sandbox.bot_api_url}{token}/{method}", json=params, timeout=10.0)


def start_chat(page: Page, sandbox: SandboxServer, bot: BotUnderTest) -> Locator:
    """Open the page, send /start as the fan and return the fan's panel once the bot replied."""
    page.goto(sandbox.url + "/")
    fan = panel_of(page, FAN_ID)
    expect(fan).to_be_visible()
    send_as_user(fan, "/start")
    expect(fan.locator(".message-row.from-bot").first).to_contain_text(bot.start_reply)
    return fan


def test_default_page_shows_four_people_side_by_side(page: Page, sandbox: SandboxServer) -> None:
    page.goto(sandbox.url + "/")
    panels = page.locator(".panel")
    expect(panels).to_have_count(4)
    expect(panels.locator(".who-name")).to_have_text(["Fan", "Expert", "Merchant", "Admin"])
    ids = [panels.nth(i).get_attribute("data-user-id") for i in range(4)]
    assert ids == ["1001", "1002", "1003", "1004"]
    # Side by side: each panel starts to the right of the previous one.
    lefts = [panels.nth(i).bounding_box()["x"] for i in range(4)]  # type: ignore[index]
    assert lefts == sorted(lefts) and len(set(lefts)) == 4


def test_users_in_the_query_replace_the_defaults(page: Page, sandbox: SandboxServer) -> None:
    page.goto(sandbox.url + "/?users=2001:Lin,2002:<b>Mallory</b>:en")
    panels = page.locator(".panel")
    expect(panels).to_have_count(2)
    expect(panels.locator(".who-name")).to_have_text(["Lin", "<b>Mallory</b>"])
    expect(panels.nth(1).locator(".lang-select")).to_have_value("en")
    # The page registers each person with the sandbox, with the chosen language.
    users = httpx.get(f"{sandbox.url}/sim/users", timeout=10.0).json()
    listed = users if isinstance(users, list) else users.get("users", users.get("result"))
    by_id = {entry["id"]: entry for entry in listed}
    assert by_id[2002]["first_name"] == "<b>Mallory</b>"
    assert by_id[2002]["language_code"] == "en"

    # Choosing another language updates the person in the sandbox.
    with page.expect_response(lambda response: response.url.endswith("/sim/users")) as updated:
        panels.nth(0).locator(".lang-select").select_option("zh-hans")
    assert updated.value.ok
    lin = httpx.get(f"{sandbox.url}/sim/users/2001", timeout=10.0).json()
    assert lin["language_code"] == "zh-hans"


def test_fan_starts_the_bot_and_presses_an_inline_button(
    page: Page, sandbox: SandboxServer, chat_bot: BotUnderTest, artifacts_dir: Path
) -> None:
    fan = start_chat(page, sandbox, chat_bot)

    user_bubble = fan.locator(".message-row.from-user").first
    expect(user_bubble.locator(".text")).to_have_text("/start")
    reply = fan.locator(".message-row.from-bot").first
    # The bot's HTML arrives as formatting, not as tags.
    expect(reply.locator(".text b").first).to_have_text(chat_bot.start_reply_bold)
    expect(reply.locator(".text")).not_to_contain_text("<b>")
    # Bot bubbles sit on the left, the user's on the right.
    reply_box, user_box = reply.bounding_box(), user_bubble.bounding_box()
    assert reply_box is not None and user_box is not None
    assert reply_box["x"] < user_box["x"]

    url_button = reply.locator(".inline-button", has_text=chat_bot.url_button)
    expect(url_button).to_have_attribute("target", "_blank")
    assert "noopener" in (url_button.get_attribute("rel") or "")
    assert (url_button.get_attribute("href") or "").startswith("https://")

    # The other people see nothing of the fan's chat.
    for other in (1002, 1003, 1004):
        expect(panel_of(page, other).locator(".message-row")).to_have_count(0)

    reply.locator(".inline-button", has_text=chat_bot.callback_button).click()
    expect(fan.locator(".toast")).to_have_text(chat_bot.callback_toast)
    edited = fan.locator(".message-row.from-bot").first
    expect(edited.locator(".text")).to_have_text(chat_bot.after_callback)
    expect(edited.locator(".edited")).to_be_visible()
    # Edited in place: still one bot message, not a new one.
    expect(fan.locator(".message-row.from-bot")).to_have_count(1)

    page.screenshot(path=str(artifacts_dir / "chat_page.png"))


def test_command_menu_lists_the_bots_commands_and_sends_one(
    page: Page, sandbox: SandboxServer, chat_bot: BotUnderTest
) -> None:
    fan = start_chat(page, sandbox, chat_bot)
    fan.locator(".menu-button").click()
    items = fan.locator(".command-menu .command-name")
    for command in chat_bot.commands:
        expect(items.filter(has_text=f"/{command}")).to_have_count(1)
    fan.locator(".command-menu .command-item", has_text="/start").click()
    expect(fan.locator(".message-row.from-user .text")).to_have_text(["/start", "/start"])
    expect(fan.locator(".message-row.from-bot")).to_have_count(2)


def test_hostile_html_from_the_bot_is_shown_as_text_and_runs_nothing(
    page: Page, sandbox: SandboxServer, chat_bot: BotUnderTest
) -> None:
    fan = start_chat(page, sandbox, chat_bot)
    # The bot escapes what a user wrote (as Vitrine's templates do) and bolds its own words.
    sent = call_bot_api(
        sandbox,
        chat_bot.token,
        "sendMessage",
        chat_id=FAN_ID,
        text=f"<b>Review:</b> {html.escape(HOSTILE_MARKUP)}",
        parse_mode="HTML",
    )
    assert sent.json()["ok"] is True, sent.text
    message_id = sent.json()["result"]["message_id"]

    hostile = fan.locator(f'.message-row.from-bot[data-message-id="{message_id}"]')
    expect(hostile.locator(".text")).to_have_text(f"Review: {HOSTILE_MARKUP}")
    expect(hostile.locator(".text b")).to_have_text("Review:")
    expect(hostile.locator("img, script")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None

    # What a person types is text too.
    send_as_user(fan, HOSTILE_MARKUP)
    expect(fan.locator(".message-row.from-user .text").last).to_have_text(HOSTILE_MARKUP)
    expect(fan.locator(".messages img, .messages script")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None

    # A deleted message disappears from the open page (live update, no reload).
    deleted = call_bot_api(
        sandbox, chat_bot.token, "deleteMessage", chat_id=FAN_ID, message_id=message_id
    )
    assert deleted.json()["ok"] is True, deleted.text
    expect(hostile).to_have_count(0)


def test_page_sanitises_even_a_hostile_transcript(page: Page, sandbox: SandboxServer) -> None:
    # Defence in depth: should the transcript ever carry raw markup, the page still builds
    # only Telegram's tags and safe links.
    hostile_entry = {
        "message_id": 7,
        "from": "bot",
        "date": 1_700_000_000,
        "text": "x",
        "html": f'<b>Bold</b> {HOSTILE_MARKUP}<a href="javascript:window.__pwned=3">link</a>',
        "photo": "javascript:window.__pwned=4",
        "reply_markup": {
            "inline_keyboard": [[{"text": "Evil", "url": "javascript:window.__pwned=5"}]]
        },
        "edited": False,
        "toasts": [],
    }
    page.route(
        f"**/sim/users/{FAN_ID}/transcript*",
        lambda route: route.fulfill(json={"messages": [hostile_entry], "blocked": False}),
    )
    page.goto(sandbox.url + "/")
    row = panel_of(page, FAN_ID).locator('.message-row[data-message-id="7"]')
    expect(row.locator(".text b")).to_have_text("Bold")
    expect(row.locator(".text")).to_contain_text(HOSTILE_MARKUP)
    expect(row.locator("img, script")).to_have_count(0)
    assert row.locator(".text a").get_attribute("href") is None
    assert row.locator(".inline-button").get_attribute("href") is None
    row.locator(".inline-button").click()
    row.locator(".text a").click()
    assert page.evaluate("window.__pwned") is None


def test_page_polls_the_transcript_when_event_streams_are_unavailable(
    page: Page, sandbox: SandboxServer, chat_bot: BotUnderTest
) -> None:
    page.add_init_script("delete window.EventSource;")
    fan = start_chat(page, sandbox, chat_bot)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "polling")
    pushed = call_bot_api(sandbox, chat_bot.token, "sendMessage", chat_id=FAN_ID, text="A push")
    assert pushed.json()["ok"] is True, pushed.text
    expect(fan.locator(".message-row.from-bot .text").last).to_have_text("A push")


def test_renderer_keeps_only_telegram_tags(page: Page, sandbox: SandboxServer) -> None:
    page.goto(sandbox.url + "/")
    rendered = page.evaluate(
        """(samples) => samples.map((source) => {
            const box = document.createElement("div");
            box.appendChild(window.TelegramText.renderTelegramHtml(source));
            return {
              text: box.textContent,
              tags: [...box.querySelectorAll("*")].map((node) => node.tagName.toLowerCase()),
              attributes: [...box.querySelectorAll("*")].flatMap(
                (node) => [...node.attributes].map((attr) => `${attr.name}=${attr.value}`)),
            };
        })""",
        [
            '<b>bold</b> <img src=x onerror="window.__pwned=1">',
            '<a href="javascript:window.__pwned=1">click</a>',
            '<i onclick="window.__pwned=1">it</i><iframe src="/"></iframe>',
            "<tg-spoiler>secret</tg-spoiler> 1 &lt; 2 &amp;&amp; <code>x</code>",
            '<a href="https://example.com/?a=1&amp;b=2">ok</a>',
        ],
    )
    assert rendered[0]["tags"] == ["b"]
    assert rendered[0]["text"] == 'bold <img src=x onerror="window.__pwned=1">'
    assert rendered[1]["tags"] == ["a"] and rendered[1]["attributes"] == []
    assert rendered[2]["tags"] == ["i"] and rendered[2]["attributes"] == []
    assert rendered[2]["text"] == 'it<iframe src="/"></iframe>'
    assert rendered[3]["tags"] == ["span", "code"]
    assert rendered[3]["text"] == "secret 1 < 2 && x"
    assert "href=https://example.com/?a=1&b=2" in rendered[4]["attributes"]
    assert "rel=noopener noreferrer" in rendered[4]["attributes"]

    # Plain text plus message entities (Telegram's other form) gets the same treatment.
    from_entities = page.evaluate(
        """() => {
            const box = document.createElement("div");
            box.appendChild(window.TelegramText.renderEntities("Hi <b>Ann</b> go", [
              {type: "bold", offset: 0, length: 2},
              {type: "text_link", offset: 13, length: 2, url: "javascript:window.__pwned=1"},
            ]));
            return [box.textContent, box.querySelector("b").textContent,
                    box.querySelector("a").getAttribute("href"), box.querySelectorAll("*").length];
        }"""
    )
    assert from_entities == ["Hi <b>Ann</b> go", "Hi", None, 2]
    assert page.evaluate("window.__pwned") is None


def test_fan_sends_a_photo(page: Page, sandbox: SandboxServer, chat_bot: BotUnderTest) -> None:
    fan = start_chat(page, sandbox, chat_bot)
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (220, 80, 120)).save(picture, format="PNG")
    fan.locator(".text-input").fill("my haul")
    fan.locator(".photo-input").set_input_files(
        files=[{"name": "haul.png", "mimeType": "image/png", "buffer": picture.getvalue()}]
    )
    photo_row = fan.locator(".message-row.from-user", has=page.locator("img.photo"))
    expect(photo_row).to_have_count(1)
    expect(photo_row.locator(".text")).to_have_text("my haul")
    # The image really loads from the sandbox.
    photo_row.locator("img.photo").evaluate(
        "(img) => img.complete ? null : new Promise((done) => img.addEventListener('load', done))"
    )
    assert photo_row.locator("img.photo").evaluate("(img) => img.naturalWidth") == 64


def test_blocking_the_bot_makes_its_sends_fail(
    page: Page, sandbox: SandboxServer, chat_bot: BotUnderTest
) -> None:
    fan = start_chat(page, sandbox, chat_bot)
    toggle = fan.locator(".block-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    refused = call_bot_api(sandbox, chat_bot.token, "sendMessage", chat_id=FAN_ID, text="hello?")
    assert refused.status_code == 403
    assert refused.json()["description"] == "Forbidden: bot was blocked by the user"

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    accepted = call_bot_api(sandbox, chat_bot.token, "sendMessage", chat_id=FAN_ID, text="back!")
    assert accepted.status_code == 200
    expect(fan.locator(".message-row.from-bot .text").last).to_have_text("back!")


def test_fan_starts_the_real_vitrine_bot_and_opens_an_interest(
    page: Page, sandbox: SandboxServer, vitrine_bot: str, artifacts_dir: Path
) -> None:
    page.goto(sandbox.url + "/?users=1001:Fan:en,1002:Expert:en,1003:Merchant:en,1004:Admin:en")
    fan = panel_of(page, FAN_ID)
    send_as_user(fan, "/start")
    bot_texts = fan.locator(".message-row.from-bot .text")
    expect(bot_texts.first).to_contain_text("Hello, Fan")
    # The first /start goes on to ask for interests, with a keyboard of verticals.
    interests = fan.locator(".message-row.from-bot", has=page.locator(".inline-keyboard")).last
    expect(interests).to_contain_text("interest")
    bot_messages_before = fan.locator(".message-row.from-bot").count()

    first_vertical = interests.locator("button.inline-button").first
    vertical_name = first_vertical.inner_text().strip()
    first_vertical.click()
    # The bot edits that message in place into the vertical's tags.
    expect(interests.locator(".edited")).to_be_visible()
    expect(interests).to_contain_text(vertical_name)
    expect(fan.locator(".message-row.from-bot")).to_have_count(bot_messages_before)

    page.screenshot(path=str(artifacts_dir / "chat_page_vitrine.png"))
