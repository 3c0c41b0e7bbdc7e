"""Kept for old imports: this module is bot/analytics/views.py (the statistics screens are "analytics")."""

from bot.analytics.views import (
    TIMELINE_TAIL as TIMELINE_TAIL,
)
from bot.analytics.views import (
    CampaignView as CampaignView,
)
from bot.analytics.views import (
    campaign_view as campaign_view,
)
from bot.analytics.views import (
    chart_labels as chart_labels,
)
from bot.analytics.views import (
    day_start as day_start,
)
from bot.analytics.views import (
    kind_names as kind_names,
)
from bot.analytics.views import (
    local_time as local_time,
)
from bot.analytics.views import (
    named as named,
)
from bot.analytics.views import (
    overview_text as overview_text,
)
from bot.analytics.views import (
    percent as percent,
)
from bot.analytics.views import (
    status_names as status_names,
)
from bot.analytics.views import (
    zone as zone,
)
