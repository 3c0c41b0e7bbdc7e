"""The typed CallbackContext: handlers reach services through it, never through globals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.delivery.lanes import SendTicket
from bot.domain.states import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories.users import User

SERVICES_KEY = "services"
PROCESS_KEY = "process"


@dataclass
class ProcessState:
    """Which part of the bot this process runs (`vitrine run --role`), for /healthz and metrics."""

    role: str
    name: str  # host, pid and a tag: on the outbox rows it claims and the campaign runs it fires
    leading: bool = False  # holds the scheduler's lead (the role 'all' always does)


# The bot as handlers see it: PTB's ExtBot whose calls carry a SendTicket to the rate limiter.
VitrineBot: TypeAlias = ExtBot[SendTicket]
UserData: TypeAlias = dict[Any, Any]
ChatData: TypeAlias = dict[Any, Any]
BotData: TypeAlias = dict[Any, Any]


class VitrineContext(CallbackContext[VitrineBot, UserData, ChatData, BotData]):
    """CallbackContext with the Vitrine services and the current user attached."""

    def __init__(
        self,
        application: VitrineApp,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.vitrine_user: User | None = None

    @property
    def services(self) -> Services:
        """The process-wide services (built in post_init)."""
        services: Services = self.bot_data[SERVICES_KEY]
        return services

    @property
    def user(self) -> User:
        """The Vitrine user behind this update, loaded by the first handler group."""
        if self.vitrine_user is None:
            raise RuntimeError("no Vitrine user loaded for this update")
        return self.vitrine_user

    @property
    def language(self) -> str:
        """The language replies to this update are written in."""
        return self.vitrine_user.language if self.vitrine_user else DEFAULT_LANGUAGE


# The application: every handler gets a VitrineContext; jobs run with one too.
VitrineApp: TypeAlias = Application[
    VitrineBot, VitrineContext, UserData, ChatData, BotData, JobQueue[VitrineContext]
]
