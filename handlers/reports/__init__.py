"""Kept for old imports: the statistics screens' handlers are handlers/analytics."""

from handlers.analytics import register

__all__ = ["register"]
