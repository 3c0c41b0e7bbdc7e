"""handlers/keyboards.py: the one builder of inline keyboards never makes an empty one."""

from __future__ import annotations

import json

from telegram import InlineKeyboardMarkup

from bot.domain.callbacks import CartAdd, FavouriteToggle, Noop, encode
from handlers.keyboards import (
    NO_BUTTONS,
    button,
    keyboard,
    relabelled,
    rows_of,
    share_button,
    url_button,
)


def test_no_buttons_is_no_keyboard_at_all() -> None:
    # PTB would send an empty InlineKeyboardMarkup as "{}", which is no keyboard.
    assert json.loads(InlineKeyboardMarkup([]).to_json()) == {}
    assert keyboard([]) is NO_BUTTONS is None
    assert keyboard([[], []]) is None
    assert keyboard(iter([[]])) is None


def test_empty_rows_are_dropped_and_the_rest_kept_in_order() -> None:
    fav, cart = button("♡", FavouriteToggle(1)), button("🛒", CartAdd(1))
    markup = keyboard([[], [fav], [], [cart, button("1/2", Noop())]])
    assert markup is not None
    sent = json.loads(markup.to_json())["inline_keyboard"]
    assert [[b["text"] for b in row] for row in sent] == [["♡"], ["🛒", "1/2"]]
    assert sent[0][0]["callback_data"] == encode(FavouriteToggle(1))


def test_url_and_share_buttons() -> None:
    markup = keyboard(
        [[url_button("Buy", "https://example.org/go/x"), share_button("Share", "#7")]]
    )
    assert markup is not None
    [[buy, share]] = json.loads(markup.to_json())["inline_keyboard"]
    assert buy == {"text": "Buy", "url": "https://example.org/go/x"}
    assert share == {"text": "Share", "switch_inline_query": "#7"}


def test_rows_of() -> None:
    buttons = [button(str(n), CartAdd(n)) for n in range(5)]
    assert [len(row) for row in rows_of(buttons, 2)] == [2, 2, 1]
    assert rows_of([], 3) == []


def test_relabelled_changes_only_the_pressed_button() -> None:
    fav, cart = button("♡ Favourite", FavouriteToggle(3)), button("🛒", CartAdd(3))
    markup = relabelled(keyboard([[fav, cart]]), encode(FavouriteToggle(3)), "♥ Favourited")
    assert markup is not None
    assert [b.text for b in markup.inline_keyboard[0]] == ["♥ Favourited", "🛒"]
    assert markup.inline_keyboard[0][0].callback_data == encode(FavouriteToggle(3))
    assert relabelled(None, "x", "y") is None
