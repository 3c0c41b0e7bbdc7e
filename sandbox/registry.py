"""The table of Bot API methods the sandbox implements, filled by @bot_method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox.errors import too_many_requests
from sandbox.params import Params
from sandbox.state import BotState, Sandbox


@dataclass
class Call:
    """One Bot API call being served."""

    sandbox: Sandbox
    bot: BotState
    params: Params
    method: str
    # Called at /bot<token>/test/<method>: Telegram's test environment (td's G()->is_test_dc()),
    # which the Bot API server picks per request by that path (HttpConnection::handle).
    test_environment: bool = False

    def take_rate(self, chat_id: int, *, messages: int = 1, edit: bool = False) -> None:
        """Charge the rate limiter for this call, or raise 429 with retry_after."""
        retry_after = self.sandbox.limiter.acquire(
            self.bot.token,
            chat_id,
            messages=messages,
            paid=self.params.to_bool("allow_paid_broadcast"),
            edit=edit,
        )
        if retry_after is not None:
            raise too_many_requests(retry_after)


MethodHandler = Callable[[Call], Awaitable[Any]]
# Lower-cased method name -> handler; Bot API method names are case-insensitive.
METHODS: dict[str, MethodHandler] = {}


def bot_method(*names: str) -> Callable[[MethodHandler], MethodHandler]:
    """Register the decorated coroutine as the handler of the named Bot API methods."""

    def register(handler: MethodHandler) -> MethodHandler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register
