"""/interests: toggle interest tags with inline buttons (also shown once during onboarding)."""

from __future__ import annotations

from telegram import Update

from bot.context import VitrineContext
from bot.domain.callbacks import InterestsDone, InterestsOpen, InterestToggle
from bot.domain.errors import DomainError
from bot.domain.verticals import VERTICALS, get_tag, get_vertical, is_vertical
from bot.fan import interests
from handlers.fan.ui import label, render, stale
from handlers.keyboards import Button, button, keyboard, rows_of
from handlers.ui import answer, decoded, show_text

TAGS_PER_ROW = 2
VERTICALS_PER_ROW = 3


def _chosen_labels(tags: frozenset[str], language: str) -> list[str]:
    return [
        get_tag(t).label(language) for v in VERTICALS for t in (x.key for x in v.tags) if t in tags
    ]


async def show_interests(
    update: Update, context: VitrineContext, *, vertical: str, onboarding: bool, edit: bool = True
) -> None:
    """The interests screen: verticals, or one vertical's tags with ✓ on the chosen ones."""
    tags = await interests.interests_of(context.services, fan_id=context.user.id)
    await draw_interests(update, context, tags, vertical=vertical, onboarding=onboarding, edit=edit)


async def draw_interests(
    update: Update,
    context: VitrineContext,
    tags: frozenset[str],
    *,
    vertical: str,
    onboarding: bool,
    edit: bool = True,
) -> None:
    """The interests screen for the fan's chosen `tags`."""
    language = context.language
    rows: list[list[Button]] = []
    if vertical:
        buttons = []
        for tag in get_vertical(vertical).tags:
            text = tag.label(language)
            if tag.key in tags:
                text = label(context, "fan.chosen", label=text)
            buttons.append(button(text, InterestToggle(tag.key, onboarding)))
        rows += rows_of(buttons, TAGS_PER_ROW)
        rows.append([button(label(context, "fan.back"), InterestsOpen("", onboarding))])
    else:
        buttons = []
        for v in VERTICALS:
            picked = sum(1 for t in v.tag_keys if t in tags)
            text = v.label(language) + (f" ({picked})" if picked else "")
            buttons.append(button(text, InterestsOpen(v.key, onboarding)))
        rows += rows_of(buttons, VERTICALS_PER_ROW)
    rows.append([button(label(context, "fan.done"), InterestsDone(onboarding))])
    text = render(
        context,
        "interests",
        onboarding=onboarding,
        vertical_label=get_vertical(vertical).label(language) if vertical else "",
        chosen=_chosen_labels(tags, language),
    )
    await show_text(update, context, text, keyboard(rows), edit=edit)


async def interests_command(update: Update, context: VitrineContext) -> None:
    """/interests [vertical]: the interests screen."""
    word = (context.args or [""])[0].lower()
    await show_interests(
        update, context, vertical=word if is_vertical(word) else "", onboarding=False
    )


async def interests_open(update: Update, context: VitrineContext) -> None:
    """Open a vertical's tags, or go back to the verticals."""
    data = decoded(update, InterestsOpen)
    if data is None or (data.vertical and not is_vertical(data.vertical)):
        await stale(update, context)
        return
    await answer(update)
    await show_interests(update, context, vertical=data.vertical, onboarding=data.onboarding)


async def interest_toggle(update: Update, context: VitrineContext) -> None:
    """Add or remove one tag and redraw its vertical."""
    data = decoded(update, InterestToggle)
    if data is None:
        await stale(update, context)
        return
    try:
        tags = await interests.toggle_interest(
            context.services, fan_id=context.user.id, tag=data.tag
        )
    except DomainError:  # a tag no vertical has (any more)
        await stale(update, context)
        return
    await answer(update)
    await draw_interests(
        update, context, tags, vertical=get_tag(data.tag).vertical, onboarding=data.onboarding
    )


async def interests_done(update: Update, context: VitrineContext) -> None:
    """Close the screen with a summary (and the next steps during onboarding)."""
    data = decoded(update, InterestsDone)
    if data is None:
        await stale(update, context)
        return
    await answer(update)
    tags = await interests.interests_of(context.services, fan_id=context.user.id)
    text = render(
        context,
        "interests_saved",
        chosen=_chosen_labels(tags, context.language),
        onboarding=data.onboarding,
    )
    await show_text(update, context, text)
