"""Kept for old imports: this module is bot/analytics/charts.py (the statistics screens are "analytics")."""

from bot.analytics.charts import (
    CJK_FONT_CANDIDATES as CJK_FONT_CANDIDATES,
)
from bot.analytics.charts import (
    FUNNEL_COLOURS as FUNNEL_COLOURS,
)
from bot.analytics.charts import (
    SERIES_COLOURS as SERIES_COLOURS,
)
from bot.analytics.charts import (
    ChartLabels as ChartLabels,
)
from bot.analytics.charts import (
    cjk_font_available as cjk_font_available,
)
from bot.analytics.charts import (
    render_funnel as render_funnel,
)
from bot.analytics.charts import (
    render_timeline as render_timeline,
)
