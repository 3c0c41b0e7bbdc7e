"""Expert handlers: /become_expert, /publish, /mywindow (the conversations are flows)."""

from __future__ import annotations

from bot.context import VitrineApp
from handlers.expert import apply, publish, window

GROUP_MAIN = 0


def register(application: VitrineApp) -> None:
    """Add the expert commands and buttons; typed answers reach the flows through their router."""
    for handler in [*apply.handlers(), *publish.handlers(), *window.handlers()]:
        application.add_handler(handler, group=GROUP_MAIN)
