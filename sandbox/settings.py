"""The sandbox's knobs, overridable as keyword arguments of create_app/SandboxServer/serve."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.limits import LimitNumbers


@dataclass
class SandboxSettings:
    """Every knob of the sandbox; defaults behave like Telegram."""

    # Rate limits (see sandbox/limits.py for what counts).
    per_bot_per_second: float = 30.0
    private_chat_per_second: float = 1.0
    private_chat_burst: float = 3.0
    group_per_minute: float = 20.0
    paid_per_second: float = 1000.0
    # How long a "timeout" fault holds a call before answering 504.
    fault_timeout_seconds: float = 10.0
    # answerCallbackQuery/answerInlineQuery later than this after the press -> "query is too old".
    callback_query_max_age_seconds: float = 900.0
    # How long POST /sim/users/{id}/inline waits for the bot's answerInlineQuery.
    inline_answer_wait_seconds: float = 5.0
    # Webhook delivery: per-POST timeout, first retry delay (doubles after each failure) and cap.
    webhook_timeout_seconds: float = 10.0
    webhook_retry_seconds: float = 0.5
    webhook_retry_max_seconds: float = 10.0
    # setWebhook with a URL at most this often per bot, else 429 "retry after 1" (the server's rule).
    set_webhook_interval_seconds: float = 1.0
    # Fetching photos/documents the bot passes as HTTP URLs.
    url_fetch_timeout_seconds: float = 5.0
    # Sizes of the ring buffers behind GET /sim/calls and GET /sim/events.
    calls_log_size: int = 2000
    events_log_size: int = 5000
    # Where the state is kept across restarts (sandbox/persistence.py); None keeps it in memory
    # only, as the tests do. Changes are saved this often, and when the sandbox stops.
    state_dir: Path | None = None
    state_save_seconds: float = 0.2
    # The sandbox's @BotFather (/sim/bots/<bot>/apps) is the test environment's: td checks Web App
    # URLs with LinkManager::check_link(url, true, !G()->is_test_dc()), so http:// URLs (a Mini App
    # on loopback) are accepted. False: HTTPS only, as in production. Bot API calls choose their
    # environment by path instead: /bot<token>/test/<method> is the test environment.
    test_environment: bool = True
    # How long a savePreparedInlineMessage result can be shared (Telegram does not publish it).
    prepared_message_ttl_seconds: float = 24 * 60 * 60.0

    def limit_numbers(self) -> LimitNumbers:
        """Return the rate-limit part of the settings."""
        return LimitNumbers(
            per_bot_per_second=self.per_bot_per_second,
            private_chat_per_second=self.private_chat_per_second,
            private_chat_burst=self.private_chat_burst,
            group_per_minute=self.group_per_minute,
            paid_per_second=self.paid_per_second,
        )


def make_settings(**overrides: Any) -> SandboxSettings:
    """Return default settings with `overrides` applied; unknown names raise TypeError."""
    known = {field.name for field in dataclasses.fields(SandboxSettings)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown sandbox settings: {sorted(unknown)}")
    if overrides.get("state_dir") is not None:
        overrides["state_dir"] = Path(overrides["state_dir"])
    return SandboxSettings(**overrides)
