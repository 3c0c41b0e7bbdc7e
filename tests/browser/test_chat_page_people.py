"""Opening the chat page keeps the sandbox's people as they are: no renaming, no language reset."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, Response, expect

from sandbox.server import SandboxServer


def person(sandbox: SandboxServer, user_id: int) -> tuple[str, str | None]:
    """(first name, language code) of a person as the sandbox (and so the bot) knows them."""
    response = httpx.get(f"{sandbox.url}/sim/users/{user_id}", timeout=10.0)
    response.raise_for_status()
    body = response.json()
    return body["first_name"], body["language_code"]


def open_page(page: Page, sandbox: SandboxServer, path: str, waited_for: tuple[int, ...]) -> None:
    """Open the page and return once each of these people's panels has loaded its chat (so any
    create or update of the person, which comes first, has been answered)."""
    loaded: set[int] = set()

    def note(response: Response) -> None:
        loaded.update(i for i in waited_for if response.url.endswith(f"/sim/users/{i}/transcript"))

    page.on("response", note)
    page.goto(sandbox.url + path)
    while loaded != set(waited_for):
        page.wait_for_event("response")
    page.remove_listener("response", note)


def test_the_page_keeps_the_demo_people_names_and_languages(
    page: Page, sandbox: SandboxServer
) -> None:
    # As `vitrine run` leaves them: the demo fan and expert, with the languages they chose.
    for user_id, name, language in ((1001, "小美", "zh-hans"), (1002, "Lina", "en")):
        created = httpx.post(
            f"{sandbox.url}/sim/users",
            json={"id": user_id, "first_name": name, "language_code": language},
            timeout=10.0,
        )
        created.raise_for_status()

    # The browser runs in English: it must not turn 小美 into an English-speaking "Fan".
    open_page(page, sandbox, "/", (1001, 1002, 1003, 1004))
    panels = page.locator(".panel")
    expect(panels.locator(".who-name")).to_have_text(["小美", "Lina", "Merchant", "Admin"])
    expect(panels.nth(0).locator(".lang-select")).to_have_value("zh-hans")
    expect(panels.nth(1).locator(".lang-select")).to_have_value("en")
    expect(page.locator(".user-tab")).to_have_text(["小美", "Lina", "Merchant", "Admin"])
    assert person(sandbox, 1001) == ("小美", "zh-hans")
    assert person(sandbox, 1002) == ("Lina", "en")
    assert person(sandbox, 1003) == ("Merchant", "en")  # new people are still created

    # Named in the address, a known person keeps their name too; opening it again changes nothing.
    open_page(page, sandbox, "/?users=1001:Fan:en", (1001,))
    expect(page.locator(".panel .who-name")).to_have_text(["小美"])
    assert person(sandbox, 1001) == ("小美", "zh-hans")

    # Choosing a language in the panel is a change the person makes: that one is kept.
    with page.expect_response(lambda response: response.url.endswith("/sim/users")) as updated:
        page.locator(".panel .lang-select").select_option("en")
    assert updated.value.ok
    assert person(sandbox, 1001) == ("小美", "en")
