"""PTB persistence for conversations only, kept in the bot_state table.

The publisher (and any other `persistent=True` ConversationHandler) resumes after a restart
because its per-chat states live in the database. User, chat, bot and callback data are not
persisted: services live in bot_data and drafts are stored explicitly by the slices that need them.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.repositories.bot_state import BotStateRepository

# Short enough that a crash loses at most about a second of conversation progress;
# a clean stop always writes everything (Application.stop calls update_persistence).
UPDATE_INTERVAL_SECONDS = 1.0
KEY_PREFIX = "conv:"

# PTB's own aliases live in a private module; these are the same shapes.
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]


def conversation_row_key(name: str, key: ConversationKey) -> str:
    """The bot_state key of one conversation's state, e.g. "conv:publish:[5, 5]"."""
    return f"{KEY_PREFIX}{name}:{json.dumps(list(key))}"


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores ConversationHandler states (one row per conversation key) and nothing else."""

    def __init__(
        self, state: BotStateRepository, *, update_interval: float = UPDATE_INTERVAL_SECONDS
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._state = state

    async def get_conversations(self, name: str) -> ConversationDict:
        """Every stored state of the named conversation."""
        prefix = f"{KEY_PREFIX}{name}:"
        rows = await self._state.with_prefix(prefix)
        conversations: ConversationDict = {}
        for row_key, state in rows.items():
            try:
                key = tuple(json.loads(row_key[len(prefix) :]))
            except (ValueError, TypeError):
                continue  # a foreign or damaged row must not stop the bot from starting
            conversations[key] = state
        return conversations

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Store the conversation's new state, or forget it when it ended (None)."""
        row_key = conversation_row_key(name, key)
        if new_state is None:
            await self._state.delete(row_key)
        else:
            await self._state.put(row_key, new_state)

    # Nothing below is persisted (store_data says so); PTB still requires the methods.

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """No user data is persisted."""
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """No chat data is persisted."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """No bot data is persisted."""
        return {}

    async def get_callback_data(self) -> None:
        """Arbitrary callback data is not used."""
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def update_callback_data(self, data: Any) -> None:
        """Not persisted."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not persisted."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not persisted."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def flush(self) -> None:
        """Every write already went to the database."""
