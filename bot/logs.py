"""Logging setup, and the one filter that keeps secrets out of every log line at every level.

What is never logged (the filter rewrites it before any handler writes): the bot token (PTB's
"Set Bot API URL" and request URLs carry it), the secret key and the Telegram webhook secret,
``whsec_`` signing secrets, callback keys (``/hooks/orders/<key>``), Buy tokens (``/go/<token>``)
and the arguments of every database call aiosqlite traces at DEBUG (merchants' secrets and keys
are parameters there). SQLAlchemy's own messages hide parameters too (``hide_parameters`` in
storage/database.py). The filter sits on the root logger's handlers, so records of third-party
loggers (PTB, httpx, aiosqlite, uvicorn) pass through it like ours.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries whose INFO lines are one per request or job run; httpx's carry Bot API URLs.
QUIET_LOGGERS = ("httpx", "apscheduler", "alembic")

# Secrets shorter than this are not registered as literals: replacing "1" everywhere hides nothing.
MIN_LITERAL_CHARS = 8

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram's token shape (bot/config.py TOKEN_PATTERN), also right after "/bot" in URLs.
    (re.compile(r"(?<!\d)\d{1,20}:[A-Za-z0-9_-]{20,100}"), "<bot-token>"),
    (re.compile(r"whsec_[A-Za-z0-9+/=_-]*"), "whsec_<hidden>"),
    (re.compile(r"/hooks/orders/[^/\s?#'\"<>]+"), "/hooks/orders/<hidden>"),
    (re.compile(r"/go/[^/\s?#'\"<>]+"), "/go/<hidden>"),
    # aiosqlite's "executing functools.partial(<method execute ...>, 'SQL', (params))".
    (re.compile(r"functools\.partial\((<[^>]*>).*\)", re.DOTALL), r"\1(<arguments hidden>)"),
)


class SecretRedactor(logging.Filter):
    """Rewrites each record's message (and traceback) with every known secret replaced."""

    def __init__(self) -> None:
        super().__init__()
        self._literals: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def add_secrets(self, values: Iterable[str | None]) -> None:
        """Hide these exact values too (the configured token and keys)."""
        fresh = {v for v in values if v and len(v) >= MIN_LITERAL_CHARS}
        with self._lock:
            self._literals = self._literals | fresh

    def redact(self, text: str) -> str:
        """The text with every secret replaced by a placeholder."""
        # Longest first, so a secret that contains another is replaced whole.
        for literal in sorted(self._literals, key=len, reverse=True):
            text = text.replace(literal, "<hidden>")
        for pattern, placeholder in _PATTERNS:
            text = pattern.sub(placeholder, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log the template alone, never its arguments
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = SecretRedactor()


def redact_root_handlers() -> None:
    """Put the redactor on every handler of the root logger (once each)."""
    for handler in logging.getLogger().handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)


class _VitrineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler configure_logging installs, told apart so a second call replaces it."""


def configure_logging(level: str, handler: logging.Handler | None = None) -> None:
    """The process's logging: one handler on the root logger (stderr unless given), redacted.

    Called again (a second command in one process), it replaces the stderr handler it installed
    before instead of adding another, so no line is written twice.
    """
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if isinstance(h, _VitrineHandler)]:
        root.removeHandler(earlier)
    handler = handler or _VitrineHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    redact_root_handlers()
