"""The Mini App's context for the running bot: its token and id, and prepared share messages."""

from __future__ import annotations

from bot.context import VitrineApp
from bot.domain.errors import DomainError
from bot.fan.search import shareable_items
from bot.http.dependencies import HttpContext
from bot.miniapp.routes import MiniAppContext
from storage.repositories.users import User


def from_application(application: VitrineApp, http: HttpContext) -> MiniAppContext:
    """The context over the real bot."""
    services = http.services

    async def prepare_share(sharer: User, item_id: int) -> str:
        """savePreparedInlineMessage of the item's shared card, the sharer credited on Buy."""
        from handlers.fan.inline import shared_card

        found = await shareable_items(services, query=f"#{item_id}", offset=0)
        if not found.items or sharer.telegram_id is None:
            raise DomainError("item.gone")
        item = found.items[0]
        card = shared_card(
            services,
            language=sharer.language,
            sharer_id=sharer.id,
            timezone=sharer.timezone,
            item=item,
            expert=found.experts.get(item.expert_id),
            bot_username=application.bot.username,
        )
        prepared = await application.bot.save_prepared_inline_message(
            user_id=sharer.telegram_id,
            result=card,
            allow_user_chats=True,
            allow_group_chats=True,
            allow_channel_chats=True,
        )
        return prepared.id

    return MiniAppContext(
        http=http,
        bot_token=lambda: application.bot.token,
        bot_id=lambda: application.bot.id,
        prepare_share=prepare_share,
    )
