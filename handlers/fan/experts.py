"""/experts (browse by vertical, search), expert cards, Follow/Unfollow, /following, Mute."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import VitrineContext
from bot.domain.callbacks import (
    ExpertCard,
    ExpertsBrowse,
    Follow,
    FollowingPage,
    FollowSource,
    MuteToggle,
    Unfollow,
    WindowPage,
    decode_as,
)
from bot.domain.errors import DomainError
from bot.domain.verticals import VERTICALS, get_vertical, is_vertical
from bot.fan import follows, search
from bot.fan.follows import ExpertCardView, FollowChanged, FollowingView
from bot.fan.records import Expert
from bot.fan.search import search_words
from bot.links import miniapp_link
from handlers.fan.cards import tag_labels
from handlers.fan.ui import (
    label,
    nav_row,
    notice,
    page_button,
    page_of,
    refuse,
    render,
    short,
    stale,
    with_app_button,
)
from handlers.keyboards import Button, Keyboard, button, keyboard, rows_of
from handlers.ui import answer, decoded, show_text

VERTICALS_PER_ROW = 4


def vertical_label(key: str, language: str) -> str:
    """The display name of a vertical key (the key itself if unknown)."""
    return get_vertical(key).label(language) if is_vertical(key) else key


def _vertical_rows(context: VitrineContext, current: str) -> list[list[Button]]:
    keys = [""] + [v.key for v in VERTICALS]
    buttons = []
    for key in keys:
        text = vertical_label(key, context.language) if key else label(context, "fan.all")
        if key == current:
            text = label(context, "fan.chosen", label=text)
        buttons.append(button(text, ExpertsBrowse(key, 0)))
    return rows_of(buttons, VERTICALS_PER_ROW)


async def show_experts(
    update: Update, context: VitrineContext, *, vertical: str, page: int, query: str = ""
) -> bool:
    """A page of verified experts (in `vertical`, or matching `query`); False if the page moved."""
    view = await search.browse_experts(context.services, vertical=vertical, page=page, query=query)
    found, total, paging, moved = view.found, view.total, view.paging, view.moved
    if query and not found:
        await show_text(update, context, notice(context, "no_results", query=query), edit=False)
        return True
    rows = [
        {
            "n": paging.offset + i + 1,
            "name": s.expert.display_name,
            "handle": s.expert.handle,
            "vertical_label": vertical_label(s.expert.vertical, context.language),
            "followers": s.followers,
        }
        for i, s in enumerate(found)
    ]
    keyboard_rows = [
        [
            button(
                label(context, "fan.open_item", n=row["n"], title=short(s.expert.display_name)),
                ExpertCard(s.expert.id),
            )
        ]
        for row, s in zip(rows, found, strict=False)
    ]
    if not query:  # search results have no page buttons: the query does not fit in a button
        keyboard_rows.append(
            nav_row(context, lambda p: ExpertsBrowse(vertical, p), paging.page, paging.pages)
        )
        keyboard_rows += _vertical_rows(context, vertical)
    text = render(
        context,
        "experts_list",
        query=query,
        vertical_label=vertical_label(vertical, context.language) if vertical else "",
        rows=rows,
        page=paging.page,
        pages=1 if query else paging.pages,
        more=bool(query) and total > len(found),
    )
    await show_text(update, context, text, keyboard(keyboard_rows))
    return not moved


async def experts_command(update: Update, context: VitrineContext) -> None:
    """/experts [vertical | words]: browse verified experts, or search by name or tag."""
    words = search_words(" ".join(context.args or []))
    text = " ".join(words)
    if len(words) == 1 and is_vertical(words[0].lower()):
        await show_experts(update, context, vertical=words[0].lower(), page=0)
    else:
        await show_experts(update, context, vertical="", page=0, query=text)


async def experts_page(update: Update, context: VitrineContext) -> None:
    """A vertical or page button of the experts list."""
    data = decoded(update, ExpertsBrowse)
    if data is None or (data.vertical and not is_vertical(data.vertical)):
        await stale(update, context)
        return
    current = await show_experts(update, context, vertical=data.vertical, page=data.page)
    await answer(update, None if current else notice(context, "list_changed"))


def card_keyboard(
    context: VitrineContext,
    expert: Expert,
    *,
    following: bool,
    muted: bool,
    source: FollowSource = "card",
) -> Keyboard:
    """Follow/Unfollow, Window, Mute and the way back to the experts list."""
    first = [
        button(label(context, "fan.unfollow"), Unfollow(expert.id, source))
        if following
        else button(label(context, "fan.follow"), Follow(expert.id, source)),
        button(label(context, "fan.window"), WindowPage(expert.id, 0)),
    ]
    rows = [first]
    if following:
        key = "fan.unmute" if muted else "fan.mute"
        rows.append([button(label(context, key, name=""), MuteToggle(expert.id))])
    rows.append([button(label(context, "fan.experts"), ExpertsBrowse(expert.vertical, 0))])
    return keyboard(rows)


async def draw_card(
    update: Update, context: VitrineContext, card: ExpertCardView, *, edit: bool = True
) -> None:
    """The expert's card: profile, counts and buttons."""
    expert = card.expert
    text = render(
        context,
        "expert_card",
        expert_name=expert.display_name,
        handle=expert.handle,
        vertical_label=vertical_label(expert.vertical, context.language),
        tag_labels=tag_labels(expert.tags, context.language),
        bio=expert.bio,
        followers=card.followers,
        items=card.items,
        following=card.following,
        muted=card.muted,
        app_link=miniapp_link(context.services.settings, context.bot.username, expert.handle),
    )
    markup = with_app_button(
        context,
        card_keyboard(context, expert, following=card.following, muted=card.muted),
        handle=expert.handle,
    )
    await show_text(update, context, text, markup, edit=edit)


async def expert_card(update: Update, context: VitrineContext) -> None:
    """An expert's card from a list button."""
    data = decoded(update, ExpertCard)
    if data is None:
        await stale(update, context)
        return
    try:
        card = await follows.expert_card(
            context.services, fan_id=context.user.id, expert_id=data.expert_id
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await answer(update)
    await draw_card(update, context, card)


def _is_following_list(message: object) -> bool:
    """Whether the pressed message is the /following list (its Unfollow buttons say "browse")."""
    keyboard = getattr(message, "reply_markup", None)
    for row in keyboard.inline_keyboard if keyboard else ():
        for key in row:
            try:
                value = decode_as(Unfollow, key.callback_data)
            except DomainError:
                continue
            if value.source == "browse":
                return True
    return False


def _pressed_following_page(update: Update, context: VitrineContext) -> int | None:
    """The /following page the press was on; None when it was not on that list (no redraw)."""
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or message.text is None or not _is_following_list(message):
        return None
    return page_of(message, FollowingPage, label(context, "fan.prev"))


async def _redraw(
    update: Update, context: VitrineContext, changed: FollowChanged, *, unfollowed: bool = False
) -> None:
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or message.text is None:
        return  # pressed on a photo card: the toast is the answer
    if changed.following is not None:
        name = changed.expert.display_name if unfollowed else ""
        await draw_following(update, context, changed.following, unfollowed=name)
    else:
        await draw_card(update, context, changed.card)


async def follow_pressed(update: Update, context: VitrineContext) -> None:
    """Follow from any button; following twice is harmless."""
    data = decoded(update, Follow)
    if data is None:
        await stale(update, context)
        return
    try:
        changed = await follows.follow_expert(
            context.services,
            fan_id=context.user.id,
            expert_id=data.expert_id,
            source=data.source,
            following_page=_pressed_following_page(update, context),
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    code = "followed" if changed.changed else "already_following"
    await answer(update, notice(context, code, expert=changed.expert.display_name))
    await _redraw(update, context, changed)


async def unfollow_pressed(update: Update, context: VitrineContext) -> None:
    """Unfollow from a card, a push or the /following list."""
    data = decoded(update, Unfollow)
    if data is None:
        await stale(update, context)
        return
    try:
        changed = await follows.unfollow_expert(
            context.services,
            fan_id=context.user.id,
            expert_id=data.expert_id,
            source=data.source,
            following_page=_pressed_following_page(update, context),
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    code = "unfollowed" if changed.changed else "not_following"
    await answer(update, notice(context, code, expert=changed.expert.display_name))
    await _redraw(update, context, changed, unfollowed=changed.changed)


async def mute_pressed(update: Update, context: VitrineContext) -> None:
    """Mute or unmute an expert's pushes."""
    data = decoded(update, MuteToggle)
    if data is None:
        await stale(update, context)
        return
    try:
        changed = await follows.toggle_mute(
            context.services,
            fan_id=context.user.id,
            expert_id=data.expert_id,
            following_page=_pressed_following_page(update, context),
        )
    except DomainError as error:
        await refuse(update, context, error)
        return
    code = "muted" if changed.changed else "unmuted"
    await answer(update, notice(context, code, expert=changed.expert.display_name))
    await _redraw(update, context, changed)


async def show_following(update: Update, context: VitrineContext, page: int) -> bool:
    """A page of the experts the fan follows; False if it moved."""
    view = await follows.show_following(context.services, fan_id=context.user.id, page=page)
    await draw_following(update, context, view)
    return not view.moved


async def draw_following(
    update: Update, context: VitrineContext, view: FollowingView, *, unfollowed: str = ""
) -> None:
    """A page of the experts the fan follows with Mute and Unfollow.

    `unfollowed` names the expert just unfollowed, for the list that this left empty.
    """
    found, paging = view.entries, view.paging
    rows = [
        {
            "n": paging.offset + i + 1,
            "name": f.expert.display_name,
            "handle": f.expert.handle,
            "muted": f.muted,
        }
        for i, f in enumerate(found)
    ]
    buttons: list[list[Button]] = []
    for row, f in zip(rows, found, strict=False):
        buttons.append(
            [
                button(
                    label(context, "fan.open_item", n=row["n"], title=short(f.expert.display_name)),
                    ExpertCard(f.expert.id),
                )
            ]
        )
        buttons.append(
            [
                button(
                    label(context, "fan.unmute" if f.muted else "fan.mute", name=""),
                    MuteToggle(f.expert.id),
                ),
                button(label(context, "fan.unfollow"), Unfollow(f.expert.id, "browse")),
            ]
        )
    buttons.append(nav_row(context, FollowingPage, paging.page, paging.pages))
    text = render(
        context,
        "following",
        rows=rows,
        page=paging.page,
        pages=paging.pages,
        unfollowed=unfollowed,
        bot_username=context.bot.username,
    )
    await show_text(update, context, text, keyboard(buttons))


async def following_command(update: Update, context: VitrineContext) -> None:
    """/following: the experts the fan follows."""
    await show_following(update, context, 0)


following_page = page_button(FollowingPage, show_following)
