"""/foryou (the personal feed) and /top (ranking boards)."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import ExpertCard, FeedPage, ItemDetail, ReservePresale, TopPage
from bot.domain.clock import local_text
from bot.domain.rankings import TopBoard
from bot.domain.verticals import is_vertical
from bot.fan.feed import foryou
from bot.fan.top import top_board
from handlers.fan.experts import vertical_label
from handlers.fan.ui import label, nav_row, notice, render, short, stale
from handlers.keyboards import Button, button, keyboard
from handlers.ui import answer, decoded, show_text

BOARDS: tuple[TopBoard, ...] = ("hot24h", "hot7d", "want", "rising")


async def show_feed(update: Update, context: VitrineContext, page: int) -> None:
    """Page `page` of the fan's feed as a list with one button per item."""
    now = datetime.now(UTC)
    view = await foryou(context.services, fan_id=context.user.id, page=page, now=now)
    experts = view.experts
    rows = [
        {
            "n": i + 1,
            "title": item.title,
            "price_fen": item.price_fen,
            "expert_name": experts[item.expert_id].display_name
            if item.expert_id in experts
            else "",
            "pinned": item.pinned_until is not None and item.pinned_until > now,
        }
        for i, item in enumerate(view.items)
    ]
    buttons = [
        [
            button(
                label(context, "fan.open_item", n=row["n"], title=short(item.title)),
                ItemDetail(item.id, "feed"),
            )
        ]
        for row, item in zip(rows, view.items, strict=False)
    ]
    nav = []
    if page > 0:
        nav.append(button(label(context, "fan.prev"), FeedPage(page - 1)))
    if view.has_next:
        nav.append(button(label(context, "fan.next"), FeedPage(page + 1)))
    buttons.append(nav)
    text = render(context, "feed", rows=rows, page=page, has_interests=bool(view.interests))
    await show_text(update, context, text, keyboard(buttons))


async def foryou_command(update: Update, context: VitrineContext) -> None:
    """/foryou: the first page of the personal feed."""
    await show_feed(update, context, 0)


async def feed_page(update: Update, context: VitrineContext) -> None:
    """A feed page button."""
    data = decoded(update, FeedPage)
    if data is None:
        await stale(update, context)
        return
    await answer(update)
    await show_feed(update, context, data.page)


async def show_top(
    update: Update,
    context: VitrineContext,
    *,
    board: TopBoard,
    vertical: str,
    page: int,
    prefix: str = "",
) -> bool:
    """A page of a ranking board with board switches; False if the page asked for had moved."""
    view = await top_board(
        context.services, board=board, vertical=vertical, page=page, now=datetime.now(UTC)
    )
    experts = view.experts
    rows = []
    buttons: list[list[Button]] = []
    for row in view.rows:
        if row.expert is not None:
            rows.append(
                {
                    "rank": row.rank,
                    "name": row.expert.display_name,
                    "handle": row.expert.handle,
                    "gained": row.gained,
                }
            )
            buttons.append(
                [
                    button(
                        label(
                            context,
                            "fan.open_item",
                            n=row.rank,
                            title=short(row.expert.display_name),
                        ),
                        ExpertCard(row.expert.id),
                    )
                ]
            )
        elif row.item is not None:
            rows.append(
                {
                    "rank": row.rank,
                    "title": row.item.title,
                    "price_fen": row.item.price_fen,
                    "score": row.score,
                    "opens_at": (  # in the reader's zone (issue 12)
                        local_text(row.opens_at, context.user.timezone, "%m-%d %H:%M")
                        if row.opens_at
                        else ""
                    ),
                    "expert_name": experts[row.item.expert_id].display_name
                    if row.item.expert_id in experts
                    else "",
                }
            )
            opened = button(
                label(context, "fan.open_item", n=row.rank, title=short(row.item.title)),
                ItemDetail(row.item.id, "top"),
            )
            if board == "want":
                buttons.append(
                    [
                        opened,
                        button(
                            label(context, "fan.remind_short"), ReservePresale(row.item.id, "top")
                        ),
                    ]
                )
            else:
                buttons.append([opened])
    buttons.append(
        nav_row(context, lambda p: TopPage(vertical, board, p), view.paging.page, view.paging.pages)
    )
    buttons.append(
        [
            button(
                label(context, "fan.chosen", label=label(context, f"fan.board_{b}"))
                if b == board
                else label(context, f"fan.board_{b}"),
                TopPage(vertical, b, 0),
            )
            for b in BOARDS
        ]
    )
    text = render(
        context,
        "top",
        board=board,
        vertical_label=vertical_label(vertical, context.language) if vertical else "",
        rows=rows,
        page=view.paging.page,
        pages=view.paging.pages,
    )
    await show_text(
        update, context, (prefix + "\n\n" + text) if prefix else text, keyboard(buttons)
    )
    return not view.out_of_range


async def top_command(update: Update, context: VitrineContext) -> None:
    """/top [vertical]: hot items of the last 24 hours; junk arguments fall back to all verticals."""
    word = " ".join(context.args or []).strip().lower()
    prefix = ""
    if word and not is_vertical(word):
        prefix = notice(context, "unknown_vertical", word=word[:32])
        word = ""
    await show_top(update, context, board="hot24h", vertical=word, page=0, prefix=prefix)


async def top_page(update: Update, context: VitrineContext) -> None:
    """A board switch or page button."""
    data = decoded(update, TopPage)
    if data is None or (data.vertical and not is_vertical(data.vertical)):
        await stale(update, context)
        return
    current = await show_top(
        update, context, board=data.board, vertical=data.vertical, page=data.page
    )
    await answer(update, None if current else notice(context, "list_changed"))
