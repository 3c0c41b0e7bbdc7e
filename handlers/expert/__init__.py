"""Expert handlers: /become_expert, /publish, /mywindow."""

from __future__ import annotations

from telegram.ext import Application

from handlers.expert import apply, publish, window

GROUP_MAIN = 0


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the expert conversations and commands (conversations first: they own typed text)."""
    # Resumable after a restart whenever the application persists conversations (bot.app does).
    persistent = application.persistence is not None
    application.add_handler(publish.conversation(persistent=persistent), group=GROUP_MAIN)
    application.add_handler(apply.conversation(), group=GROUP_MAIN)
    application.add_handler(window.edit_conversation(), group=GROUP_MAIN)
    for handler in [*publish.stale_handlers(), *window.handlers()]:
        application.add_handler(handler, group=GROUP_MAIN)  # type: ignore[arg-type]
