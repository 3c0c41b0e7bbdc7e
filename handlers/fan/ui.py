"""Shared plumbing of the fan screens: texts, labels, callback decoding, sending or editing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import Noop, decode_as
from bot.domain.errors import DomainError
from bot.links import miniapp_url
from handlers.keyboards import Button, Keyboard, button, keyboard, web_app_button
from handlers.ui import answer, decoded

log = logging.getLogger(__name__)

TITLE_IN_BUTTON = 28  # characters of an item title shown on a button

# The fan/notice code that answers each refusal of the fan services (DomainError codes).
REFUSALS = {
    "item.gone": "item_gone",
    "item.sold_out": "sold_out",
    "item.not_presale": "not_presale",
    "expert.gone": "expert_gone",
    "expert.unknown": "unknown_expert",
    "follow.not_following": "not_following",
    "settings.bad_value": "bad_value",
}


class PagePress(Protocol):
    """The callback data of a list's page button."""

    @property
    def page(self) -> int:
        """The page the button shows."""
        ...


P = TypeVar("P", bound=PagePress)


def render(
    context: VitrineContext, template: str, *, language: str | None = None, **values: Any
) -> str:
    """Render a fan template in the user's language (or `language`)."""
    return context.services.texts.render(f"fan/{template}", language or context.language, **values)


def caption(
    context: VitrineContext, template: str, *, language: str | None = None, **values: Any
) -> str:
    """Render a fan template as a photo caption (1024 characters at most)."""
    return context.services.texts.render(
        f"fan/{template}", language or context.language, caption=True, **values
    )


def label(context: VitrineContext, key: str, *, language: str | None = None, **params: Any) -> str:
    """A fan button label (or a common one when `key` has no "fan." prefix)."""
    return context.services.texts.label(language or context.language, key, **params)


def notice(
    context: VitrineContext, code: str, *, language: str | None = None, **params: Any
) -> str:
    """A short answer (toast or one-line reply) from `fan/notice.j2`."""
    return render(context, "notice", language=language, code=code, **params)


def short(text: str, limit: int = TITLE_IN_BUTTON) -> str:
    """Cut a title for a button, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def stale(update: Update, context: VitrineContext, code: str = "stale") -> None:
    """Answer a press whose data no longer leads anywhere with a short word."""
    await answer(update, notice(context, code))


def refusal(context: VitrineContext, error: DomainError) -> str:
    """The short answer to a fan service's refusal; the push rules' codes are a bad value."""
    if error.code.startswith(("push.", "settings.")):
        return notice(context, "bad_value")
    params: dict[str, Any] = dict(error.params)
    return notice(context, REFUSALS.get(error.code, "stale"), **params)


async def refuse(update: Update, context: VitrineContext, error: DomainError) -> None:
    """Answer a press the fan service refused with its short answer."""
    await answer(update, refusal(context, error))


def page_of(message: object, kind: type[PagePress], prev_text: str) -> int:
    """The page a list message shows, read back from its own Prev/Next buttons."""
    keyboard = getattr(message, "reply_markup", None)
    if keyboard is None:
        return 0
    for row in keyboard.inline_keyboard:
        for key in row:
            try:
                value: PagePress = decode_as(kind, key.callback_data)
            except DomainError:
                continue
            page = int(value.page)
            # Prev points one page back, Next one page on; either tells where we are.
            return page + 1 if key.text == prev_text else max(page - 1, 0)
    return 0


def nav_row(context: VitrineContext, make: Any, page: int, pages: int) -> list[Button]:
    """« Prev · n/N · Next » for a paged list; `make(page)` builds the callback value."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(button(label(context, "fan.prev"), make(page - 1)))
    row.append(button(label(context, "fan.counter", page=page + 1, pages=pages), Noop()))
    if page + 1 < pages:
        row.append(button(label(context, "fan.next"), make(page + 1)))
    return row


PageShower = Callable[[Update, VitrineContext, int], Awaitable[bool]]


def page_button(
    kind: type[P], show: PageShower
) -> Callable[[Update, VitrineContext], Coroutine[Any, Any, None]]:
    """A handler for the page buttons of a list: redraw page N in place, or say the list moved."""

    async def handle(update: Update, context: VitrineContext) -> None:
        data = decoded(update, kind)
        if data is None:
            await stale(update, context)
            return
        current = await show(update, context, data.page)
        await answer(update, None if current else notice(context, "list_changed"))

    handle.__doc__ = f"A page button of the list behind {kind.__name__}."
    return handle


def app_button(context: VitrineContext, *, handle: str | None = None) -> Button | None:
    """The button that opens the Mini App (at `handle`'s window), where Telegram would take it."""
    url = miniapp_url(context.services.settings, handle=handle)
    return None if url is None else web_app_button(label(context, "fan.open_app"), url)


def with_app_button(
    context: VitrineContext, markup: Keyboard, *, handle: str | None = None
) -> Keyboard:
    """`markup` with a last row opening the Mini App (unchanged where there is no app)."""
    opener = app_button(context, handle=handle)
    if opener is None:
        return markup
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    return keyboard([*rows, [opener]])
