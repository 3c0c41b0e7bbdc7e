"""Kept for old imports: this module is bot/analytics/model.py (the statistics screens are "analytics")."""

from bot.analytics.model import (
    MAX_TIMELINE_BUCKETS as MAX_TIMELINE_BUCKETS,
)
from bot.analytics.model import (
    ORDER_STATUSES as ORDER_STATUSES,
)
from bot.analytics.model import (
    OUTBOX_STATUSES as OUTBOX_STATUSES,
)
from bot.analytics.model import (
    OVERVIEW_WINDOWS_DAYS as OVERVIEW_WINDOWS_DAYS,
)
from bot.analytics.model import (
    TIMELINE_INTERVALS_SECONDS as TIMELINE_INTERVALS_SECONDS,
)
from bot.analytics.model import (
    CampaignReport as CampaignReport,
)
from bot.analytics.model import (
    CampaignSummary as CampaignSummary,
)
from bot.analytics.model import (
    ExpertOverview as ExpertOverview,
)
from bot.analytics.model import (
    PlatformTotals as PlatformTotals,
)
from bot.analytics.model import (
    TimelineBucket as TimelineBucket,
)
from bot.analytics.model import (
    TopExpert as TopExpert,
)
from bot.analytics.model import (
    WindowTotals as WindowTotals,
)
from bot.analytics.model import (
    choose_interval as choose_interval,
)
from bot.analytics.model import (
    error_class as error_class,
)
from bot.analytics.model import (
    fill_timeline as fill_timeline,
)
from bot.analytics.model import (
    ratio as ratio,
)
from bot.analytics.model import (
    since as since,
)
