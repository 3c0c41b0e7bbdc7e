"""Moved to bot/merchants/shops.py (merchant features live under bot/merchants).

Kept so the screens that still import from here (the admins' queue, the expert's window and
shop choice) keep working; new code imports bot.merchants.shops.
"""

from __future__ import annotations

from bot.merchants.shops import MAX_NAME_CHARS, check_name, check_shop_id, platform_label

__all__ = ["MAX_NAME_CHARS", "check_name", "check_shop_id", "platform_label"]
