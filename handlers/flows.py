"""Multi-step conversations as flows whose position lives in the database (bot/conversations.py).

Instead of PTB's ConversationHandler (which keeps states in memory and mixes button presses of
old messages into the current step), a flow is a name, a timeout and one handler per step:

- a command starts it (`begin`), in the main handler group like any command;
- the person's next message that is not a command goes to the handler of their current step
  (`route`, an early handler group), which answers with `Next(step, **data)`, `Stay()` or
  `Done()`; a photo goes to the step only where the flow expects one;
- a button of a flow is an ordinary callback handler that asks `at(...)` whether the person is
  still at the step the button belongs to (else the press is outdated) and moves with `go`;
- `/cancel` ends any flow and says what was dropped; other commands run as usual mid-flow and
  leave the flow where it was;
- a flow untouched for longer than its timeout ends at the next message, with a word about it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import conversations
from bot.context import VitrineApp, VitrineContext
from bot.conversations import Position
from handlers.ui import reply


@dataclass(frozen=True)
class Next:
    """Go to `step`, adding `data` to what the person entered; then `ask` the step's question.

    The question is sent only once the move is stored: an answer typed the moment it shows (or
    taken by another process) finds the person already at the step it answers.
    """

    step: str
    data: Mapping[str, Any] = field(default_factory=dict)
    ask: Callable[[], Awaitable[object]] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Stay:
    """The answer was refused (the handler said why): ask again at the same step."""


@dataclass(frozen=True)
class Done:
    """The flow is over (finished, or the handler moved the person into another flow)."""


Outcome = Next | Stay | Done
StepHandler = Callable[[Update, VitrineContext, Position], Awaitable[Outcome]]
Notice = Callable[[Update, VitrineContext, Position], Awaitable[None]]


@dataclass(frozen=True)
class Flow:
    """A conversation: what each step does with a message, and what ending it says."""

    name: str
    timeout: timedelta
    steps: Mapping[str, StepHandler]
    cancelled: Notice  # after /cancel: say what was dropped
    expired: Notice  # after the timeout, at the next message: say so and how to start again
    photo_steps: frozenset[str] = frozenset()  # steps whose answer is a photo, not text
    nudge: Notice | None = None  # a message that does not answer the step; None: the common one


_FLOWS: dict[str, Flow] = {}


def define(flow: Flow) -> Flow:
    """Make the flow known to the router (once per name)."""
    if _FLOWS.get(flow.name, flow) is not flow:
        raise ValueError(f"two flows are named {flow.name!r}")
    _FLOWS[flow.name] = flow
    return flow


def _now() -> datetime:
    return datetime.now(UTC)


async def begin(context: VitrineContext, flow: Flow, step: str, **data: Any) -> Position:
    """Put the person at the first `step` of `flow` (leaving any other flow)."""
    return await conversations.enter(context.services, context.user.id, flow.name, step, data)


async def at(context: VitrineContext, flow: Flow, *steps: str) -> Position | None:
    """The person's position if they are in `flow` (at one of `steps`, if given) and it is live."""
    current = await conversations.position(context.services, context.user.id)
    if current is None or current.flow != flow.name:
        return None
    if current.expired(_now(), flow.timeout):
        await conversations.leave(context.services, context.user.id)
        return None
    if steps and current.step not in steps:
        return None
    return current


async def go(context: VitrineContext, current: Position, outcome: Outcome) -> None:
    """Apply a step's outcome: move on, stay, or end the flow."""
    if isinstance(outcome, Next):
        await conversations.move(
            context.services, context.user.id, current, outcome.step, **outcome.data
        )
        if outcome.ask is not None:
            await outcome.ask()
    elif isinstance(outcome, Done):
        now_at = await conversations.position(context.services, context.user.id)
        # A handler that put the person into another flow has moved them on: keep that one.
        if now_at is not None and now_at.flow == current.flow:
            await conversations.leave(context.services, context.user.id)


async def route(update: Update, context: VitrineContext) -> None:
    """A message that is not a command: the answer to the person's current step, if any."""
    if context.vitrine_user is None:
        return
    current = await conversations.position(context.services, context.user.id)
    if current is None:
        return
    flow = _FLOWS.get(current.flow)
    if flow is None:  # a flow this version no longer has
        await conversations.leave(context.services, context.user.id)
        return
    if current.expired(_now(), flow.timeout):
        await conversations.leave(context.services, context.user.id)
        await flow.expired(update, context, current)
        raise ApplicationHandlerStop
    message = update.effective_message
    has_photo = message is not None and bool(message.photo)
    handler = flow.steps.get(current.step)
    wants_photo = current.step in flow.photo_steps
    if handler is None or has_photo != wants_photo or (not has_photo and not _has_text(update)):
        if flow.nudge is not None:
            await flow.nudge(update, context, current)
        else:
            await reply(update, context, "common/flow_nudge", wants_photo=wants_photo)
        raise ApplicationHandlerStop
    await go(context, current, await handler(update, context, current))
    raise ApplicationHandlerStop


def _has_text(update: Update) -> bool:
    message = update.effective_message
    return message is not None and bool(message.text)


async def cancel(update: Update, context: VitrineContext) -> None:
    """/cancel: end the person's flow, saying what was dropped (or that nothing was going on)."""
    current = await conversations.position(context.services, context.user.id)
    flow = _FLOWS.get(current.flow) if current is not None else None
    await conversations.leave(context.services, context.user.id)
    if current is None or flow is None:
        await reply(update, context, "common/flow_nudge", nothing_to_cancel=True)
        return
    await flow.cancelled(update, context, current)


def register(application: VitrineApp, *, route_group: int) -> None:
    """The router in its early group; /cancel is registered by the caller with the fallbacks."""
    answers = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(answers, route), group=route_group)


def cancel_handler() -> CommandHandler[VitrineContext, None]:
    """The one /cancel, for every flow."""
    return CommandHandler("cancel", cancel)
