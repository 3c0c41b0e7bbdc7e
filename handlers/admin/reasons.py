"""The typed reason of Reject, Suspend and Reinstate, as a flow (handlers/flows.py).

The button asks for the reason and puts the admin at the flow's one step; their next message is
the reason, applied by the one use case of the action. /cancel leaves everything as it was; a
reason typed more than REASON_TIMEOUT after the press decides nothing (the card may have changed
meanwhile) and says to press again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from telegram import Update

from bot.admin import moderation, suspensions
from bot.context import VitrineContext
from bot.conversations import Position
from bot.domain.errors import DomainError
from bot.menus import refresh_menu
from handlers.admin.cards import redraw
from handlers.admin.common import refusal_event, say
from handlers.flows import Done, Flow, Outcome, Stay, begin, define

REASON = "reason"
REASON_TIMEOUT = timedelta(minutes=30)
Action = Literal["reject", "suspend", "unsuspend"]
ACTIONS: tuple[Action, ...] = ("reject", "suspend", "unsuspend")


async def wait_for_reason(
    context: VitrineContext,
    action: Action,
    kind: str,
    target_id: int,
    *,
    subject: str,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> None:
    """Put the admin at the reason step of `action` on the target named `subject` (and the
    card to redraw once it is applied)."""
    await begin(
        context,
        REASONS,
        REASON,
        action=action,
        kind=kind,
        target_id=target_id,
        subject=subject,
        chat_id=chat_id,
        message_id=message_id,
    )


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def got_reason(update: Update, context: VitrineContext, current: Position) -> Outcome:
    """The typed reason: reject the application, or suspend or reinstate the target."""
    data = current.data
    action, kind, target_id = data.get("action"), str(data.get("kind")), int(data["target_id"])
    try:
        if action == "reject":
            decided = await moderation.reject(
                context.services,
                admin_id=context.user.id,
                kind=kind,
                target_id=target_id,
                reason=_text(update),
            )
            await say(update, context, decided.event, decided.subject)
            return Done()
        changed = await suspensions.change_suspension(
            context.services,
            admin_id=context.user.id,
            kind=kind,
            target_id=target_id,
            suspend=action == "suspend",
            reason=_text(update),
        )
    except DomainError as error:
        if error.code in ("admin.reason_empty", "admin.reason_too_long"):
            await say(update, context, refusal_event(error))
            return Stay()
        await say(update, context, refusal_event(error), str(data.get("subject") or ""))
        return Done()
    await redraw(context, changed.card, data.get("chat_id"), data.get("message_id"))
    if not changed.changed:
        await say(update, context, "unchanged", changed.subject)
        return Done()
    if changed.menu_user_id is not None:  # the owner's role changed with it
        await refresh_menu(context.bot, context.services, changed.menu_user_id)
    await say(
        update,
        context,
        "suspended" if changed.suspend else "unsuspended",
        changed.subject,
        owner=changed.owner,
        told=changed.told,
    )
    return Done()


async def _cancelled(update: Update, context: VitrineContext, current: Position) -> None:
    """/cancel while a reason is awaited: nothing is decided."""
    data = current.data
    if data.get("action") == "reject":
        await say(update, context, "reject_cancelled")
        return
    await say(update, context, "suspend_cancelled", str(data.get("subject") or ""))


async def _expired(update: Update, context: VitrineContext, _current: Position) -> None:
    await say(update, context, "reason_expired")


REASONS = define(
    Flow(
        name="admin_reason",
        timeout=REASON_TIMEOUT,
        steps={REASON: got_reason},
        cancelled=_cancelled,
        expired=_expired,
    )
)
