"""/publish as a flow: photo → title → reason → price → stock → link → shop → preview → item.

The step lives in the flow's position and the draft in its own row, both in the database
(handlers/flows.py, bot/experts/publishing.py), so a restarted bot continues exactly where the
expert was, and the timeout is measured from the stored time of the last step: a draft left
alone for PUBLISH_TIMEOUT is dropped at the next message, restarts or not. /cancel drops it at
any step; /publish again starts afresh. A button counts only at the step its message belongs to.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

from telegram import PhotoSize, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import VitrineContext
from bot.conversations import Position
from bot.domain.callbacks import callback_pattern
from bot.domain.errors import DomainError
from bot.domain.partners import accepted_partner_names
from bot.experts import publishing
from bot.experts.callbacks import PublishChangeShop, PublishDecision, PublishShop
from bot.experts.publishing import Screen, ShopQuestion, partner_whitelist
from bot.photos import MAX_PHOTO_BYTES, keep_copy, photo_folder
from handlers.expert.common import NOT_ALLOWED, alert_error, reply_error
from handlers.expert.publish_shop import (
    CONFIRM,
    SHOP,
    close_pressed,
    show_screen,
    step_of,
)
from handlers.flows import Done, Flow, Next, Outcome, Stay, at, begin, define, go
from handlers.ui import answer, decoded, reply

log = logging.getLogger(__name__)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
PHOTO, TITLE, REASON, PRICE, STOCK, LINK = ("photo", "title", "reason", "price", "stock", "link")
# A recommendation may wait while the expert finds the product's link; a day later it is stale.
PUBLISH_TIMEOUT = timedelta(hours=24)


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def _prompt(update: Update, context: VitrineContext, step: str) -> None:
    """Ask for a step (or say what the step needs)."""
    names = accepted_partner_names(partner_whitelist(context.services))
    await reply(update, context, "expert/publish_prompt", step=step, partners=names)


async def _refused(update: Update, context: VitrineContext, error: DomainError) -> Outcome:
    """Say why the answer was refused: ask again, or end (and forget the draft) when the user is
    no verified expert any more."""
    await reply_error(update, context, error)
    if error.code != NOT_ALLOWED:
        return Stay()
    await publishing.drop_draft(context.services, user_id=context.user.id)
    return Done()


async def start(update: Update, context: VitrineContext) -> None:
    """Verified experts start a fresh draft; everyone else learns how to become one."""
    try:
        await publishing.start_publishing(context.services, user_id=context.user.id)
    except DomainError as error:
        await reply_error(update, context, error)
        return
    await begin(context, PUBLISH, PHOTO)
    await _prompt(update, context, PHOTO)


async def got_photo(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Keep the largest size's file id, and a copy of its bytes (see bot/photos.py)."""
    message = update.effective_message
    if message is None or not message.photo:
        return Stay()
    largest = message.photo[-1]
    copy = await _keep_photo_copy(context, largest)
    try:
        await publishing.add_photo(
            context.services, user_id=context.user.id, file_id=largest.file_id, photo_path=copy
        )
    except DomainError as error:
        return await _refused(update, context, error)
    return Next(TITLE, ask=partial(_prompt, update, context, TITLE))


async def _keep_photo_copy(context: VitrineContext, photo: PhotoSize) -> str | None:
    """Download the photo once, now that Telegram just gave it; None if that failed."""
    if photo.file_size is not None and photo.file_size > MAX_PHOTO_BYTES:
        return None
    try:
        telegram_file = await photo.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
        suffix = Path(telegram_file.file_path or "photo.jpg").suffix.lower()
        name = f"{photo.file_unique_id}{suffix if suffix in PHOTO_SUFFIXES else '.jpg'}"
        folder = photo_folder(context.services.settings.data_dir)
        return str(await keep_copy(folder, name, content))
    except (TelegramError, OSError, ValueError):
        # The item can still be published; only a refused file id later would find no copy.
        log.warning("could not keep a copy of a published photo", exc_info=True)
        return None


async def got_text(update: Update, context: VitrineContext, current: Position) -> Outcome:
    """The title, reason, price or stock: checked, stored, and the next step asked."""
    try:
        next_step = await publishing.add_text(
            context.services, user_id=context.user.id, step=current.step, text=_text(update)
        )
    except DomainError as error:
        return await _refused(update, context, error)
    return Next(next_step, ask=partial(_prompt, update, context, next_step))


async def _shown(update: Update, context: VitrineContext, use_case: Awaitable[Screen]) -> Outcome:
    """Run a use case answering with a screen, draw it, and wait at its step."""
    try:
        screen = await use_case
    except DomainError as error:
        return await _refused(update, context, error)
    return Next(step_of(screen), ask=partial(show_screen, update, context, screen))


async def got_link(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Check the link against the whitelist, then settle the shop: from the link, or by asking."""
    use_case = publishing.add_link(context.services, user_id=context.user.id, text=_text(update))
    return await _shown(update, context, use_case)


async def shop_typed(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """A typed shop id or name: the verified shop on the link's platform it names (refused: the
    list above still works)."""
    use_case = publishing.choose_shop_by_text(
        context.services, user_id=context.user.id, text=_text(update)
    )
    return await _shown(update, context, use_case)


async def confirm_with_buttons(update: Update, context: VitrineContext, _at: Position) -> Outcome:
    """Typed text while the preview waits for a button."""
    await _prompt(update, context, CONFIRM)
    return Stay()


async def _at_step_of(
    update: Update, context: VitrineContext, step: str, closed_event: str
) -> Position | None:
    """The position when the pressed button's step is the current one; else say it is closed."""
    current = await at(context, PUBLISH, step)
    if current is None:
        await answer(update)
        await reply(update, context, "expert/publish_status", event=closed_event)
    return current


async def _press_shown(
    update: Update, context: VitrineContext, current: Position, screen: Screen
) -> None:
    """Move to the screen's step first (a press as soon as it shows finds it open), draw it."""
    await go(context, current, Next(step_of(screen)))
    await show_screen(update, context, screen, said=True)


async def _press_refused(
    update: Update, context: VitrineContext, current: Position, error: DomainError
) -> None:
    await answer(update)
    await go(context, current, await _refused(update, context, error))


async def shop_pressed(update: Update, context: VitrineContext) -> None:
    """A shop button (or "not registered"): record it and show the preview; a shop no longer
    on offer is refused with an alert, and the list comes again."""
    press = decoded(update, PublishShop)
    if press is None:  # forged: say so, keep the draft
        await alert_error(update, context, DomainError("callback.unknown"))
        return
    current = await _at_step_of(update, context, SHOP, "shop_closed")
    if current is None:
        return
    try:
        screen = await publishing.choose_shop(
            context.services, user_id=context.user.id, merchant_id=press.merchant_id
        )
    except DomainError as error:
        await _press_refused(update, context, current, error)
        return
    if isinstance(screen, ShopQuestion) and screen.refused is not None:
        await alert_error(update, context, screen.refused)
    else:
        await answer(update)
    await close_pressed(update)
    await _press_shown(update, context, current, screen)


async def change_shop(update: Update, context: VitrineContext) -> None:
    """ "Change shop" on the preview: this preview closes, the shop list comes again."""
    current = await _at_step_of(update, context, CONFIRM, "already_done")
    if current is None:
        return
    try:
        screen = await publishing.change_shop(context.services, user_id=context.user.id)
    except DomainError as error:
        await _press_refused(update, context, current, error)
        return
    await answer(update)
    await close_pressed(update)
    await _press_shown(update, context, current, screen)


async def decided(update: Update, context: VitrineContext) -> None:
    """Publish the draft or drop it."""
    press = decoded(update, PublishDecision)
    if press is None:  # forged or malformed: say so, keep the draft
        await alert_error(update, context, DomainError("callback.unknown"))
        return
    current = await _at_step_of(update, context, CONFIRM, "already_done")
    if current is None:
        return
    await answer(update)
    await close_pressed(update)
    if not press.publish:
        await publishing.drop_draft(context.services, user_id=context.user.id)
        await go(context, current, Done())
        await reply(update, context, "expert/publish_status", event="cancelled")
        return
    try:
        result = await publishing.publish(context.services, user_id=context.user.id)
    except DomainError as error:
        if error.code == NOT_ALLOWED:
            await go(context, current, await _refused(update, context, error))
            return
        await reply_error(update, context, error)
        await go(context, current, Next(PHOTO))  # a stale draft: start the steps again
        await _prompt(update, context, PHOTO)
        return
    if isinstance(result, ShopQuestion):  # the shop is no longer verified: choose it again
        await go(context, current, Next(SHOP))
        await show_screen(update, context, result)
        return
    await go(context, current, Done())
    await reply(update, context, "expert/publish_status", event="published", title=result.title)


async def _nudge(update: Update, context: VitrineContext, current: Position) -> None:
    """A message the step cannot take: the photo step asks for a photo, others for text."""
    await _prompt(update, context, "need_photo" if current.step == PHOTO else "text_needed")


async def _cancelled(update: Update, context: VitrineContext, _at: Position) -> None:
    await publishing.drop_draft(context.services, user_id=context.user.id)
    await reply(update, context, "expert/publish_status", event="cancelled")


async def _expired(update: Update, context: VitrineContext, _at: Position) -> None:
    await publishing.drop_draft(context.services, user_id=context.user.id)
    hours = int(PUBLISH_TIMEOUT.total_seconds() // 3600)
    await reply(update, context, "expert/publish_status", event="expired", hours=hours)


StepHandler = Callable[[Update, VitrineContext, Position], Awaitable[Outcome]]
_STEPS: dict[str, StepHandler] = {
    PHOTO: got_photo,
    TITLE: got_text,
    REASON: got_text,
    PRICE: got_text,
    STOCK: got_text,
    LINK: got_link,
    SHOP: shop_typed,
    CONFIRM: confirm_with_buttons,
}
PUBLISH = define(
    Flow(
        name="publish",
        timeout=PUBLISH_TIMEOUT,
        steps=_STEPS,
        cancelled=_cancelled,
        expired=_expired,
        photo_steps=frozenset({PHOTO}),
        nudge=_nudge,
    )
)


def handlers() -> list[
    CommandHandler[VitrineContext, None] | CallbackQueryHandler[VitrineContext, None]
]:
    """/publish and the buttons of its shop and preview steps."""
    return [
        CommandHandler("publish", start),
        CallbackQueryHandler(shop_pressed, pattern=callback_pattern(PublishShop)),
        CallbackQueryHandler(decided, pattern=callback_pattern(PublishDecision)),
        CallbackQueryHandler(change_shop, pattern=callback_pattern(PublishChangeShop)),
    ]
