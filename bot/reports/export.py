"""Kept for old imports: this module is bot/analytics/export.py (the statistics screens are "analytics")."""

from bot.analytics.export import (
    BOM as BOM,
)
from bot.analytics.export import (
    CLICK_COLUMNS as CLICK_COLUMNS,
)
from bot.analytics.export import (
    DELIVERY_COLUMNS as DELIVERY_COLUMNS,
)
from bot.analytics.export import (
    ORDER_COLUMNS as ORDER_COLUMNS,
)
from bot.analytics.export import (
    clicks_csv as clicks_csv,
)
from bot.analytics.export import (
    deliveries_csv as deliveries_csv,
)
from bot.analytics.export import (
    orders_csv as orders_csv,
)
from bot.analytics.export import (
    parse_csv as parse_csv,
)
