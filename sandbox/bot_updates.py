"""Getting updates to the bot: getUpdates long polling, or webhook delivery with retries."""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from typing import Any

import httpx

from sandbox import errors, tdjson
from sandbox.errors import BotApiError, bad_request, too_many_requests
from sandbox.links import UrlError, parse_url
from sandbox.records import Webhook
from sandbox.registry import Call, bot_method
from sandbox.state import BotState, Sandbox
from sandbox.tdjson import BASE64URL_CHARS, is_utf8

MAX_POLL_TIMEOUT = 50  # Client::LONG_POLL_MAX_TIMEOUT: longer timeouts are cut to 50 s
MAX_SECRET_TOKEN = 256
_BASE64URL = frozenset(BASE64URL_CHARS)
# Client::get_update_type_name: the names allowed_updates may list (others are ignored).
UPDATE_TYPES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "custom_event",
    "custom_query",
    "shipping_query",
    "pre_checkout_query",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
    "message_reaction",
    "message_reaction_count",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "purchased_paid_media",
    "managed_bot",
    "guest_message",
]
# Client::process_set_webhook_query: a non-empty URL at most once a second (else 429, retry 1).
_next_set_webhook: weakref.WeakKeyDictionary[BotState, float] = weakref.WeakKeyDictionary()


def _allowed_updates(call: Call) -> list[str] | None:
    """Client::get_allowed_update_types: None keeps the current choice (absent, not JSON, not an
    array of strings); known names are kept; none known (e.g. []) means the default set."""
    raw = call.params.arg("allowed_updates")
    if not raw:
        return None
    try:
        value = tdjson.decode(raw)
    except tdjson.JsonError:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, str) and not isinstance(v, tdjson.Number) for v in value
    ):
        return None
    wanted = {v.lower() for v in value}
    return [name for name in UPDATE_TYPES if name in wanted]


def _apply_allowed_updates(call: Call) -> None:
    allowed = _allowed_updates(call)
    if allowed is not None:
        call.bot.allowed_updates = allowed or None  # none known: Telegram's default set


@bot_method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    """Confirm updates below `offset`, then return pending ones, waiting up to `timeout`."""
    bot, params = call.bot, call.params
    if bot.webhook is not None:
        raise BotApiError(409, errors.WEBHOOK_CONFLICT)
    offset = params.integer("offset", 0)
    limit = params.integer("limit", 100, 1, 100)
    timeout = params.integer("timeout", 0, 0, MAX_POLL_TIMEOUT)
    _apply_allowed_updates(call)
    if offset > 0:
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
    elif offset < 0:
        bot.updates = bot.updates[offset:]
    # A newer getUpdates ends an older one still waiting, as Telegram does.
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.updates_signal.notify()
    deadline = time.monotonic() + timeout
    # The loop also ends when /sim/reset retired this bot, so the bot re-polls a fresh one.
    while not bot.updates and not call.sandbox.closing and call.sandbox.bots.get(bot.token) is bot:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        await bot.updates_signal.wait(remaining)
        if bot.poll_generation != generation:
            raise BotApiError(409, errors.POLLING_CONFLICT)
        if bot.webhook is not None:
            raise BotApiError(409, errors.SET_WEBHOOK_CONFLICT)
    return bot.updates[:limit]


@bot_method("setWebhook")
async def set_webhook(call: Call) -> bool:
    """Switch the bot to webhook mode (an empty url switches back to getUpdates).

    As the Bot API server in --local mode, which is what a local stand-in is: plain HTTP and any
    port are allowed (the public server wants HTTPS on 443, 80, 88 or 8443).
    """
    bot, params, sandbox = call.bot, call.params, call.sandbox
    url = params.arg("url")
    if not url:
        _remove_webhook(bot, params.to_bool("drop_pending_updates"))
        return True
    now = time.monotonic()
    if now < _next_set_webhook.get(bot, 0.0):
        raise too_many_requests(1)
    _next_set_webhook[bot] = now + sandbox.settings.set_webhook_interval_seconds
    max_connections = params.integer("max_connections", 40, 1, 100)
    secret = params.arg("secret_token")
    drop = params.to_bool("drop_pending_updates")
    try:
        parse_url(url, default_https=True)
    except UrlError as exc:
        raise bad_request("invalid webhook URL specified") from exc
    if not is_utf8(url):
        # The sandbox delivers with an HTTP client that needs a text URL.
        raise bad_request("invalid webhook URL specified")
    if len(secret) > MAX_SECRET_TOKEN:
        raise bad_request("secret token is too long")
    if not set(secret) <= _BASE64URL:
        raise bad_request("secret token contains unallowed characters")
    if sandbox.webhook_secret_checker is not None and not sandbox.webhook_secret_checker(
        secret or None
    ):
        raise bad_request("bad webhook: the sandbox's webhook_secret_checker refused the secret")
    _apply_allowed_updates(call)
    if drop:
        bot.updates.clear()
    bot.webhook = Webhook(url, secret or None, max_connections, bot.allowed_updates)
    bot.updates_signal.notify()  # ends a waiting getUpdates with 409
    if bot.webhook_task is None or bot.webhook_task.done():
        bot.webhook_task = asyncio.get_running_loop().create_task(deliver_webhook(sandbox, bot))
    return True


def _remove_webhook(bot: BotState, drop_pending: bool) -> None:
    bot.webhook = None
    if bot.webhook_task is not None:
        bot.webhook_task.cancel()
        bot.webhook_task = None
    if drop_pending:
        bot.updates.clear()


@bot_method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    """Switch the bot back to getUpdates, optionally dropping pending updates."""
    _remove_webhook(call.bot, call.params.to_bool("drop_pending_updates"))
    return True


@bot_method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    """Describe the webhook (url "" in polling mode) and how delivery is going."""
    bot = call.bot
    info: dict[str, Any] = {
        "url": bot.webhook.url if bot.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if bot.webhook is not None:
        hook = bot.webhook
        info["max_connections"] = hook.max_connections
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    if bot.allowed_updates:
        info["allowed_updates"] = bot.allowed_updates
    return info


async def deliver_webhook(sandbox: Sandbox, bot: BotState) -> None:
    """POST pending updates to the webhook one at a time, in order, retrying failures."""
    settings = sandbox.settings
    delay = settings.webhook_retry_seconds
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
        while bot.webhook is not None and not sandbox.closing:
            if not bot.updates:
                await bot.updates_signal.wait(30)
                continue
            hook, update = bot.webhook, bot.updates[0]
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            try:
                target = parse_url(hook.url, default_https=True).url()
                response = await client.post(target, content=json.dumps(update), headers=headers)
                error = None
                if not 200 <= response.status_code < 300:
                    status = f"{response.status_code} {response.reason_phrase}"
                    error = f"Wrong response from the webhook: {status}"
            except httpx.HTTPError as exc:
                error = f"Connection failed: {type(exc).__name__}"
            if error is None:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
                delay = settings.webhook_retry_seconds
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            await asyncio.sleep(delay)
            delay = min(delay * 2, settings.webhook_retry_max_seconds)
