"""The typed CallbackContext: handlers reach services through it, never through globals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.users import User

SERVICES_KEY = "services"


class VitrineContext(CallbackContext[ExtBot, dict, dict, dict]):  # type: ignore[type-arg]
    """CallbackContext with the Vitrine services and the current user attached."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.vitrine_user: User | None = None

    @property
    def services(self) -> Services:
        """The process-wide services (built in post_init)."""
        return self.bot_data[SERVICES_KEY]  # type: ignore[no-any-return]

    @property
    def user(self) -> User:
        """The Vitrine user behind this update, loaded by the first handler group."""
        if self.vitrine_user is None:
            raise RuntimeError("no Vitrine user loaded for this update")
        return self.vitrine_user

    @property
    def language(self) -> str:
        """The language replies to this update are written in."""
        return self.vitrine_user.language if self.vitrine_user else "zh_Hans"
