"""Vitrine: the application (config, wiring, services, HTTP side, CLI)."""

import os

# Opt in now to python-telegram-bot 23's durations as `datetime.timedelta` (e.g. RetryAfter's
# `retry_after`); the code reads them through helpers that accept both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")
