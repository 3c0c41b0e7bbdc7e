"""The one place where every handler is registered, in order. Order matters!"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, TypeHandler, filters

from bot.context import VitrineApp
from handlers import admin, analytics, campaigns, common, expert, fan, flows, merchant, throttle

# Handler groups run in ascending order; one handler per group handles an update.
GROUP_THROTTLE = -20  # a person over the update limit is stopped before anything else runs
GROUP_LOAD_USER = -10  # every update first loads (or creates) the Vitrine user
GROUP_FLOWS = -5  # a message that answers the person's current flow step goes there, and stops
GROUP_MAIN = 0


def register_handlers(application: VitrineApp) -> None:
    """Attach every handler of every role to the application."""
    application.add_handler(TypeHandler(Update, throttle.throttle), group=GROUP_THROTTLE)
    application.add_handler(TypeHandler(Update, common.load_user), group=GROUP_LOAD_USER)
    flows.register(application, route_group=GROUP_FLOWS)

    # Common commands.
    application.add_handler(CommandHandler("start", common.start), group=GROUP_MAIN)
    application.add_handler(CommandHandler("help", common.help_command), group=GROUP_MAIN)

    # Experts (conversations own typed text while active) and admins.
    expert.register(application)
    campaigns.register(application)  # /campaign, /campaigns, pause/resume/cancel
    admin.register(application)
    merchant.register(application)  # shops, agreements, orders, earnings
    fan.register(application)  # follow, windows, favourites, cart, feed, top, settings, privacy
    analytics.register(application)  # /stats, /export, /platform

    # Fallbacks: last in the main group, so every specific handler above wins.
    fan.register_stale_buttons(application)  # any button nothing above took gets a short answer
    application.add_handler(flows.cancel_handler(), group=GROUP_MAIN)  # /cancel ends any flow
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, common.unknown_command),
        group=GROUP_MAIN,
    )
    application.add_handler(
        MessageHandler(
            ~filters.COMMAND & filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL,
            common.unexpected_message,
        ),
        group=GROUP_MAIN,
    )
    application.add_error_handler(common.on_error)
