"""What the money path's routes need from the running bot, as one explicit value."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import HTMLResponse
from telegram.error import TelegramError

from bot.context import VitrineApp
from bot.domain.language import CHINESE, ENGLISH, is_supported
from bot.domain.orders import OrderOutcome
from bot.domain.partners import Partner
from bot.experts.publishing import partner_whitelist
from bot.http.photo_cache import PhotoCache
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpContext:
    """Services plus the few things only the Telegram side knows (tests pass fakes)."""

    services: Services
    bot_username: Callable[[], str]
    fetch_file: Callable[[str], Awaitable[bytes | None]]
    on_order: Callable[[OrderOutcome], Awaitable[None]]
    partners: tuple[Partner, ...] = field(default=())
    # Unauthenticated photo requests must not each cost a Telegram download.
    photos: PhotoCache = field(default_factory=PhotoCache)

    def whitelist(self) -> tuple[Partner, ...]:
        """The partner whitelist links are checked against."""
        return self.partners or partner_whitelist(self.services)

    def page(
        self, name: str, language: str, *, status_code: int = 200, **values: object
    ) -> HTMLResponse:
        """Render `templates/web/<name>.html.j2` as an HTML response that is never cached."""
        html = self.services.texts.render_page(name, language, **values)
        return HTMLResponse(
            html,
            status_code=status_code,
            headers={
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": (
                    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
                ),
            },
        )


def language_from_header(request: Request) -> str:
    """Pick a page language from Accept-Language (first supported wins; Chinese by default)."""
    header = request.headers.get("accept-language", "")[:200]
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return ENGLISH
        if tag.startswith("zh"):
            return CHINESE
    return CHINESE


async def page_language(ctx: HttpContext, request: Request, fan_id: int | None) -> str:
    """The fan's chosen language when we know the fan, else the browser's."""
    if fan_id is not None:
        user = await ctx.services.repos.users.get(fan_id)
        if user is not None and is_supported(user.language):
            return user.language
    return language_from_header(request)


def from_application(application: VitrineApp, services: Services) -> HttpContext:
    """The context for the real bot."""

    async def fetch_file(file_id: str) -> bytes | None:
        try:
            telegram_file = await application.bot.get_file(file_id)
            return bytes(await telegram_file.download_as_bytearray())
        except TelegramError as error:
            log.warning("could not fetch an item photo: %s", error)
            return None

    async def on_order(outcome: OrderOutcome) -> None:
        from bot.orders.announce import announcer_of

        # The partner gets its answer now; the notices follow on the bot's own loop, tracked so
        # that shutdown waits for them (drain_notices).
        announcer_of(application, services).submit(outcome)

    return HttpContext(
        services=services,
        bot_username=lambda: application.bot.username,
        fetch_file=fetch_file,
        on_order=on_order,
    )
