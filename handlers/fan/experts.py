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
from bot.fan import follows as follow_service
from bot.fan.paging import clamp_page
from bot.fan.search import search_words, word_groups
from handlers.fan.cards import tag_labels
from handlers.fan.ui import label, nav_row, notice, page_button, page_of, render, short, stale
from handlers.keyboards import Button, Keyboard, button, keyboard, rows_of
from handlers.ui import answer, decoded, show_text
from storage.repositories.experts import Expert

EXPERTS_PAGE_SIZE = 6
FOLLOWING_PAGE_SIZE = 5
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
    browse = context.services.repos.browse
    groups = word_groups(query) if query else []
    offset = max(page, 0) * EXPERTS_PAGE_SIZE
    found, total = await browse.experts_page(
        vertical=vertical or None, word_groups=groups, offset=offset, limit=EXPERTS_PAGE_SIZE
    )
    paging, moved = clamp_page(page, EXPERTS_PAGE_SIZE, total)
    if moved and total:
        found, total = await browse.experts_page(
            vertical=vertical or None, word_groups=groups, offset=paging.offset, limit=paging.size
        )
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


async def show_card(
    update: Update, context: VitrineContext, expert: Expert, *, edit: bool = True
) -> None:
    """The expert's card: profile, counts and buttons."""
    repos = context.services.repos
    following, muted = await repos.follows.status(context.user.id, expert.id)
    _items, item_count = await repos.items.window(expert.id, offset=0, limit=0)
    text = render(
        context,
        "expert_card",
        expert_name=expert.display_name,
        handle=expert.handle,
        vertical_label=vertical_label(expert.vertical, context.language),
        tag_labels=tag_labels(expert.tags, context.language),
        bio=expert.bio,
        followers=await repos.experts.follower_count(expert.id),
        items=item_count,
        following=following,
        muted=muted,
    )
    await show_text(
        update,
        context,
        text,
        card_keyboard(context, expert, following=following, muted=muted),
        edit=edit,
    )


async def _active_expert(context: VitrineContext, expert_id: int) -> Expert | None:
    expert = await context.services.repos.experts.get(expert_id)
    return expert if expert is not None and expert.is_active else None


async def expert_card(update: Update, context: VitrineContext) -> None:
    """An expert's card from a list button."""
    data = decoded(update, ExpertCard)
    expert = await _active_expert(context, data.expert_id) if data else None
    if expert is None:
        await stale(update, context, "expert_gone" if data else "stale")
        return
    await answer(update)
    await show_card(update, context, expert)


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


async def _redraw(
    update: Update, context: VitrineContext, expert: Expert, *, unfollowed: bool = False
) -> None:
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or message.text is None:
        return  # pressed on a photo card: the toast is the answer
    if _is_following_list(message):
        await show_following(
            update,
            context,
            page_of(message, FollowingPage, label(context, "fan.prev")),
            unfollowed=expert.display_name if unfollowed else "",
        )
    else:
        await show_card(update, context, expert)


async def follow_pressed(update: Update, context: VitrineContext) -> None:
    """Follow from any button; following twice is harmless."""
    data = decoded(update, Follow)
    expert = await _active_expert(context, data.expert_id) if data else None
    if data is None or expert is None:
        await stale(update, context, "expert_gone" if data else "stale")
        return
    created = await follow_service.follow(
        context.services.repos, context.user.id, expert, data.source
    )
    await answer(
        update,
        notice(context, "followed" if created else "already_following", expert=expert.display_name),
    )
    await _redraw(update, context, expert)


async def unfollow_pressed(update: Update, context: VitrineContext) -> None:
    """Unfollow from a card, a push or the /following list."""
    data = decoded(update, Unfollow)
    if data is None:
        await stale(update, context)
        return
    expert = await context.services.repos.experts.get(data.expert_id)
    removed = await follow_service.unfollow(
        context.services.repos, context.user.id, data.expert_id, data.source
    )
    if expert is None:
        await stale(update, context, "expert_gone")
        return
    await answer(
        update,
        notice(context, "unfollowed" if removed else "not_following", expert=expert.display_name),
    )
    await _redraw(update, context, expert, unfollowed=removed)


async def mute_pressed(update: Update, context: VitrineContext) -> None:
    """Mute or unmute an expert's pushes."""
    data = decoded(update, MuteToggle)
    if data is None:
        await stale(update, context)
        return
    expert = await context.services.repos.experts.get(data.expert_id)
    muted = await context.services.repos.follows.toggle_mute(context.user.id, data.expert_id)
    if expert is None or muted is None:
        await stale(update, context, "not_following")
        return
    await answer(
        update, notice(context, "muted" if muted else "unmuted", expert=expert.display_name)
    )
    await _redraw(update, context, expert)


async def show_following(
    update: Update, context: VitrineContext, page: int, *, unfollowed: str = ""
) -> bool:
    """A page of the experts the fan follows with Mute and Unfollow; False if it moved.

    `unfollowed` names the expert just unfollowed, for the list that this left empty.
    """
    follows = context.services.repos.follows
    offset = max(page, 0) * FOLLOWING_PAGE_SIZE
    found, total = await follows.page(context.user.id, offset=offset, limit=FOLLOWING_PAGE_SIZE)
    paging, moved = clamp_page(page, FOLLOWING_PAGE_SIZE, total)
    if moved and total:
        found, total = await follows.page(context.user.id, offset=paging.offset, limit=paging.size)
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
    return not moved


async def following_command(update: Update, context: VitrineContext) -> None:
    """/following: the experts the fan follows."""
    await show_following(update, context, 0)


following_page = page_button(FollowingPage, show_following)
