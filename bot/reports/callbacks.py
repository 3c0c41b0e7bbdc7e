"""Kept for old imports: this module is bot/analytics/callbacks.py (the statistics screens are "analytics")."""

from bot.analytics.callbacks import (
    CampaignExportOpen as CampaignExportOpen,
)
from bot.analytics.callbacks import (
    CampaignReportOpen as CampaignReportOpen,
)
from bot.analytics.callbacks import (
    ExportScope as ExportScope,
)
