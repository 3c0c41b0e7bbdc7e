"""Kept for old imports: this module is bot/analytics/rows.py (the statistics screens are "analytics")."""

from bot.analytics.rows import (
    ClickRow as ClickRow,
)
from bot.analytics.rows import (
    DeliveryRow as DeliveryRow,
)
from bot.analytics.rows import (
    OrderRow as OrderRow,
)
