"""/campaign: the guided wizard (kind, items, audience, schedule, preview, confirm) as a flow.

The wizard is a flow (handlers/flows.py): the person's step and the draft live in the database,
so a restart loses nothing; a button press counts only at the step its message belongs to;
/cancel drops the draft; /campaign again starts afresh; left alone for WIZARD_TIMEOUT, the draft
is dropped at the next message. Each press or typed time is one use case of
bot/campaigns/wizard.py, which answers with the next screen; here it is only drawn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import Update

from bot.campaigns import wizard
from bot.campaigns.callbacks import (
    WizardAbort,
    WizardAudience,
    WizardConfirm,
    WizardItemsDone,
    WizardItemToggle,
    WizardKind,
    WizardSchedule,
    WizardTagsDone,
    WizardTagToggle,
    kind_name,
)
from bot.campaigns.draft import WizardDraft, WizardStep
from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import local_formatter, now_utc
from bot.campaigns.wizard import (
    AskAudience,
    AskItems,
    AskKind,
    AskSchedule,
    AskTags,
    AskTime,
    Confirmed,
    Screen,
)
from bot.context import VitrineContext
from bot.conversations import Position
from bot.domain.errors import DomainError
from bot.links import deep_link
from handlers.flows import Done, Flow, Next, Outcome, Stay, at, begin, define, go
from handlers.keyboards import Button, Keyboard, button, keyboard
from handlers.ui import answer, decoded, reply, show_text

WIZARD_TIMEOUT = timedelta(minutes=30)  # left alone this long, the draft is dropped
TITLE_SHOWN = 40  # characters of an item title on its button

Press = TypeVar("Press")
Handler = Callable[[Update, VitrineContext], Coroutine[Any, Any, None]]


def _label(context: VitrineContext, key: str, **params: object) -> str:
    return context.services.texts.label(context.language, f"campaign.{key}", **params)


def _render(context: VitrineContext, template: str, **values: object) -> str:
    values.setdefault("local", local_formatter(context.user.timezone))
    return context.services.texts.render(f"campaign/{template}", context.language, **values)


def _abort_row(context: VitrineContext) -> list[Button]:
    return [button(_label(context, "abort"), WizardAbort())]


def _ticked(chosen: bool, text: str) -> str:
    return ("✅ " if chosen else "") + text


def _screen(context: VitrineContext, screen: Screen) -> tuple[str, Keyboard]:
    """The text and buttons of one screen of the wizard."""
    draft = screen.draft
    if isinstance(screen, AskKind):
        kinds = [
            [button(_label(context, f"kind_{k}"), WizardKind(kind_name(k)))] for k in screen.kinds
        ]
        text = _render(context, "ask_kind", left=screen.left, limit=screen.limit)
        return text, keyboard([*kinds, _abort_row(context)])
    if isinstance(screen, AskItems):
        items = [
            [
                button(
                    _ticked(item.id in draft.item_ids, item.title[:TITLE_SHOWN]),
                    WizardItemToggle(item.id),
                )
            ]
            for item in screen.window
        ]
        done = [button(_label(context, "done"), WizardItemsDone()), *_abort_row(context)]
        text = _render(context, "ask_items", chosen=len(draft.item_ids), limit=screen.limit)
        return text, keyboard([*items, done])
    if isinstance(screen, AskAudience):
        reach = "discovery" if screen.discovery else "fans"
        modes = [
            [
                button(
                    _label(context, "audience_none" if m == "none" else f"audience_{m}_{reach}"),
                    WizardAudience(m),
                )
            ]
            for m in screen.modes
        ]
        return _render(context, "ask_audience", kind=draft.kind), keyboard(
            [*modes, _abort_row(context)]
        )
    if isinstance(screen, AskTags):
        tags = [
            [button(_ticked(tag in draft.tags, tag), WizardTagToggle(tag))]
            for tag in screen.offered
        ]
        done = [button(_label(context, "done"), WizardTagsDone())]
        return _render(context, "ask_tags", chosen=list(draft.tags)), keyboard([*tags, done])
    if isinstance(screen, AskSchedule):
        options = [
            [button(_label(context, f"when_{w}"), WizardSchedule(w))] for w in screen.options
        ]
        return _render(context, "ask_schedule"), keyboard(options)
    if isinstance(screen, AskTime):
        return _render(context, "ask_time", mode=screen.mode), None
    confirm = [] if screen.pointless else [button(_label(context, "confirm"), WizardConfirm())]
    text = _render(
        context,
        "preview",
        draft=screen.campaign,
        items=screen.items,
        audience_size=screen.audience_size,
        nobody=screen.nobody,
        pointless=screen.pointless,
        push_only=screen.push_only,
        follow_link=deep_link(context.bot.username, screen.expert_handle),
    )
    return text, keyboard([[*confirm, *_abort_row(context)]])


async def _show(update: Update, context: VitrineContext, result: Screen | Confirmed) -> Outcome:
    """Draw the screen (on the pressed message, else as a new one) and move to its step."""
    if isinstance(result, Confirmed):
        text = _render(
            context, "confirmed", campaign=result.campaign, now=result.now, pinned=result.pinned
        )
        await show_text(update, context, text)
        return Done()
    text, markup = _screen(context, result)
    return Next(
        result.step, result.draft.to_data(), ask=partial(show_text, update, context, text, markup)
    )


async def _refused(update: Update, context: VitrineContext, error: DomainError) -> Outcome:
    """A choice the use case refused: a short answer, the step again, or the end and why."""
    if error.code == "campaign.stale":  # not on offer: forged, or an outdated button
        await answer(update, _label(context, "stale"))
        return Stay()
    await answer(update)
    if error.code == "expert.not_allowed":  # not (or no longer) a verified expert: say why
        text = context.services.texts.render("expert/not_allowed", context.language, **error.params)
    elif error.code == "campaign.no_items":
        text = _render(context, "no_items")
    else:
        text = _render(context, "errors", code=error.code, params=error.params)
    await show_text(update, context, text)
    return Stay() if error.code in wizard.ASK_AGAIN else Done()


async def start(update: Update, context: VitrineContext) -> None:
    """/campaign: only verified experts with a campaign left today; first pick the kind."""
    try:
        screen = await wizard.start_wizard(
            context.services, user_id=context.user.id, tz=context.user.timezone, now=now_utc()
        )
    except DomainError as error:
        outcome = await _refused(update, context, error)
        current = await at(context, WIZARD)  # a wizard under way ends with the refusal
        if current is not None:
            await go(context, current, outcome)
        return
    await begin(context, WIZARD, screen.step, **screen.draft.to_data())
    text, markup = _screen(context, screen)
    await show_text(update, context, text, markup)


async def _press(
    update: Update,
    context: VitrineContext,
    kind: type[Press],
    steps: tuple[WizardStep, ...],
    act: Callable[[Press, WizardDraft], Awaitable[Screen | Confirmed]],
) -> None:
    """A button of the wizard: at its step, one use case, its screen; else a short answer."""
    press = decoded(update, kind)
    current = await at(context, WIZARD, *steps)
    if press is None or current is None:
        await answer(update, _label(context, "wizard_over"))
        return
    try:
        result = await act(press, WizardDraft.from_data(current.data))
    except DomainError as error:
        await go(context, current, await _refused(update, context, error))
        return
    await answer(update)
    await go(context, current, await _show(update, context, result))


async def kind_pressed(update: Update, context: VitrineContext) -> None:
    """The kind: an account recommendation goes on to the audience, the others to items."""

    async def act(press: WizardKind, draft: WizardDraft) -> Screen:
        return await wizard.choose_kind(
            context.services, user_id=context.user.id, draft=draft, kind=press.kind
        )

    await _press(update, context, WizardKind, (WizardStep.KIND,), act)


async def item_pressed(update: Update, context: VitrineContext) -> None:
    """An item of the expert's own window in or out (ownership checked by the use case)."""

    async def act(press: WizardItemToggle, draft: WizardDraft) -> Screen:
        return await wizard.toggle_item(
            context.services, user_id=context.user.id, draft=draft, item_id=press.item_id
        )

    await _press(update, context, WizardItemToggle, (WizardStep.ITEMS,), act)


async def items_done_pressed(update: Update, context: VitrineContext) -> None:
    """Items chosen: on to the audience."""

    async def act(_press: WizardItemsDone, draft: WizardDraft) -> Screen:
        return await wizard.items_done(context.services, user_id=context.user.id, draft=draft)

    await _press(update, context, WizardItemsDone, (WizardStep.ITEMS,), act)


async def audience_pressed(update: Update, context: VitrineContext) -> None:
    """All followers (or all consenting fans), a tag segment, or no push."""

    async def act(press: WizardAudience, draft: WizardDraft) -> Screen:
        return await wizard.choose_audience(
            context.services, user_id=context.user.id, draft=draft, mode=press.mode
        )

    await _press(update, context, WizardAudience, (WizardStep.AUDIENCE,), act)


async def tag_pressed(update: Update, context: VitrineContext) -> None:
    """An offered interest tag in or out of the segment (forged tags are refused)."""

    async def act(press: WizardTagToggle, draft: WizardDraft) -> Screen:
        return await wizard.toggle_tag(
            context.services, user_id=context.user.id, draft=draft, tag=press.tag
        )

    await _press(update, context, WizardTagToggle, (WizardStep.TAGS,), act)


async def tags_done_pressed(update: Update, context: VitrineContext) -> None:
    """Tags chosen: on to the schedule."""

    async def act(_press: WizardTagsDone, draft: WizardDraft) -> Screen:
        return await wizard.tags_done(context.services, user_id=context.user.id, draft=draft)

    await _press(update, context, WizardTagsDone, (WizardStep.TAGS,), act)


async def schedule_pressed(update: Update, context: VitrineContext) -> None:
    """Now goes straight to the preview; the others ask for a time."""

    async def act(press: WizardSchedule, draft: WizardDraft) -> Screen:
        return await wizard.choose_schedule(
            context.services,
            user_id=context.user.id,
            draft=draft,
            when=press.when,
            tz=context.user.timezone,
            now=now_utc(),
        )

    await _press(update, context, WizardSchedule, (WizardStep.SCHEDULE,), act)


async def confirm_pressed(update: Update, context: VitrineContext) -> None:
    """Store the previewed campaign and fire or schedule it."""
    chat = update.effective_chat

    async def act(_press: WizardConfirm, draft: WizardDraft) -> Confirmed:
        return await wizard.confirm_campaign(
            context.services,
            campaigns_of(context.bot_data),
            user_id=context.user.id,
            draft=draft,
            tz=context.user.timezone,
            chat_id=chat.id if chat is not None else None,
            now=now_utc(),
        )

    await _press(update, context, WizardConfirm, (WizardStep.PREVIEW,), act)


async def abort_pressed(update: Update, context: VitrineContext) -> None:
    """✖ Cancel, at any step: drop the draft."""
    current = await at(context, WIZARD)
    if decoded(update, WizardAbort) is None or current is None:
        await answer(update, _label(context, "wizard_over"))
        return
    await answer(update)
    await go(context, current, Done())
    await show_text(update, context, _render(context, "aborted"))


async def typed_time(update: Update, context: VitrineContext, current: Position) -> Outcome:
    """The time typed in the expert's time zone; a bad one is asked again."""
    message = update.effective_message
    try:
        preview = await wizard.type_time(
            context.services,
            user_id=context.user.id,
            draft=WizardDraft.from_data(current.data),
            text=(message.text or "") if message is not None else "",
            tz=context.user.timezone,
            now=now_utc(),
        )
    except DomainError as error:
        return await _refused(update, context, error)
    return await _show(update, context, preview)


async def use_buttons(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Typed text where the wizard asks for a button."""
    await reply(update, context, "campaign/use_buttons")
    return Stay()


async def _cancelled(update: Update, context: VitrineContext, _at: Position) -> None:
    await reply(update, context, "campaign/aborted")


async def _expired(update: Update, context: VitrineContext, _at: Position) -> None:
    minutes = int(WIZARD_TIMEOUT.total_seconds() // 60)
    await reply(update, context, "campaign/expired", minutes=minutes)


WIZARD = define(
    Flow(
        name="campaign_wizard",
        timeout=WIZARD_TIMEOUT,
        steps={
            step.value: typed_time if step == WizardStep.TIME else use_buttons
            for step in WizardStep
        },
        cancelled=_cancelled,
        expired=_expired,
    )
)

# Every button of the wizard, by its callback kind.
PRESSES: tuple[tuple[type, Handler], ...] = (
    (WizardKind, kind_pressed),
    (WizardItemToggle, item_pressed),
    (WizardItemsDone, items_done_pressed),
    (WizardAudience, audience_pressed),
    (WizardTagToggle, tag_pressed),
    (WizardTagsDone, tags_done_pressed),
    (WizardSchedule, schedule_pressed),
    (WizardConfirm, confirm_pressed),
    (WizardAbort, abort_pressed),
)
