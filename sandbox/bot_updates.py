"""Getting updates to the bot: getUpdates long polling, or webhook delivery with retries."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import httpx

from sandbox import errors
from sandbox.errors import BotApiError, bad_request
from sandbox.records import Webhook
from sandbox.registry import Call, bot_method
from sandbox.state import BotState, Sandbox

SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_POLL_TIMEOUT = 50  # seconds; longer long-poll timeouts are cut short, like Telegram's


def _allowed_updates(call: Call) -> list[str] | None:
    value = call.params.json("allowed_updates", "Bad Request: can't parse allowed updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed updates")
    return value


@bot_method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    """Confirm updates below `offset`, then return pending ones, waiting up to `timeout`."""
    bot, params = call.bot, call.params
    if bot.webhook is not None:
        raise BotApiError(409, errors.WEBHOOK_CONFLICT)
    offset = params.integer("offset", 0) or 0
    limit = min(max(params.integer("limit", 100) or 100, 1), 100)
    timeout = min(max(params.integer("timeout", 0) or 0, 0), MAX_POLL_TIMEOUT)
    allowed = _allowed_updates(call)
    if allowed is not None:
        bot.allowed_updates = allowed
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
            raise BotApiError(409, errors.WEBHOOK_CONFLICT)
    return bot.updates[:limit]


@bot_method("setWebhook")
async def set_webhook(call: Call) -> bool:
    """Switch the bot to webhook mode (an empty url switches back to getUpdates)."""
    bot, params, sandbox = call.bot, call.params, call.sandbox
    url = (params.text("url") or "").strip()
    if not url:
        _remove_webhook(bot, params.flag("drop_pending_updates"))
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token")
    if secret is not None and not SECRET_TOKEN_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if sandbox.webhook_secret_checker is not None and not sandbox.webhook_secret_checker(secret):
        raise bad_request("bad webhook: the sandbox's webhook_secret_checker refused the secret")
    max_connections = params.integer("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if params.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = Webhook(url, secret, max_connections, _allowed_updates(call))
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
    _remove_webhook(call.bot, call.params.flag("drop_pending_updates"))
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
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
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
                response = await client.post(hook.url, content=json.dumps(update), headers=headers)
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
