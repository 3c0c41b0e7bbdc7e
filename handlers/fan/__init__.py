"""Everything a fan does in the chat; `register` attaches the handlers in order."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
)

from bot.context import VitrineApp, VitrineContext
from bot.domain import callbacks as cb
from handlers.fan import (
    actions,
    discover,
    experts,
    inline,
    interests,
    lists,
    privacy,
    settings,
    window,
)
from handlers.fan.ui import stale
from handlers.ui import answer

Handler = Callable[[Update, VitrineContext], Coroutine[Any, Any, None]]

COMMANDS: tuple[tuple[str | tuple[str, ...], Handler], ...] = (
    ("experts", experts.experts_command),
    ("following", experts.following_command),
    ("window", window.window_command),
    ("interests", interests.interests_command),
    (("favorites", "favourites"), lists.favourites_command),
    ("cart", lists.cart_command),
    ("foryou", discover.foryou_command),
    ("top", discover.top_command),
    ("settings", settings.settings_command),
    ("mydata", privacy.mydata_command),
    ("forget", privacy.forget_command),
)

CALLBACKS: tuple[tuple[type, Handler], ...] = (
    (cb.WindowPage, window.window_page),
    (cb.ItemDetail, window.item_detail),
    (cb.ItemMore, window.item_more),
    (cb.FavouriteToggle, actions.favourite_toggle),
    (cb.CartAdd, actions.cart_add),
    (cb.ReservePresale, actions.reserve_presale),
    (cb.FavouritesPage, lists.favourites_page),
    (cb.CartPage, lists.cart_page),
    (cb.CartSetQuantity, lists.cart_set_quantity),
    (cb.CartRemove, lists.cart_remove),
    (cb.ExpertsBrowse, experts.experts_page),
    (cb.ExpertCard, experts.expert_card),
    (cb.Follow, experts.follow_pressed),
    (cb.Unfollow, experts.unfollow_pressed),
    (cb.MuteToggle, experts.mute_pressed),
    (cb.FollowingPage, experts.following_page),
    (cb.InterestsOpen, interests.interests_open),
    (cb.InterestToggle, interests.interest_toggle),
    (cb.InterestsDone, interests.interests_done),
    (cb.FeedPage, discover.feed_page),
    (cb.TopPage, discover.top_page),
    (cb.SettingsOpen, settings.settings_open),
    (cb.SettingChange, settings.setting_change),
    (cb.ForgetConfirm, privacy.forget_confirm),
    (cb.ForgetCancel, privacy.forget_cancel),
)


async def noop_pressed(update: Update, context: VitrineContext) -> None:
    """Page counters and separators: answer, do nothing."""
    await answer(update)


async def stale_button(update: Update, context: VitrineContext) -> None:
    """Any button no handler took (an old format, a removed feature): a short word, never silence."""
    await stale(update, context)


def register_stale_buttons(application: VitrineApp, group: int = 0) -> None:
    """The last callback handler: answers presses nothing else matched. Register it after all others."""
    application.add_handler(CallbackQueryHandler(stale_button), group=group)


def register(application: VitrineApp, group: int = 0) -> None:
    """Attach the fan commands, buttons, inline mode and block tracking."""
    for names, callback in COMMANDS:
        application.add_handler(CommandHandler(names, callback), group=group)
    for kind, callback in CALLBACKS:
        application.add_handler(
            CallbackQueryHandler(callback, pattern=cb.callback_pattern(kind)), group=group
        )
    application.add_handler(
        CallbackQueryHandler(noop_pressed, pattern=cb.callback_pattern(cb.Noop)), group=group
    )
    application.add_handler(InlineQueryHandler(inline.inline_query), group=group)
    application.add_handler(
        ChatMemberHandler(privacy.chat_member_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        group=group,
    )
