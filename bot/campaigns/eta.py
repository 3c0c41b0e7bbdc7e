"""How long a campaign still needs, from how fast it is really going and who shares the rate."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery.remote import DeliveryView


@dataclass(frozen=True)
class CampaignShare:
    """A campaign's part of the bot's send rate right now."""

    rate: float  # messages per second this campaign gets
    sharing_with: int  # other campaigns sending at the same time (each gets an equal share)
    measured: bool  # `rate` was measured (False: estimated from the pace and the sharing)


@dataclass(frozen=True)
class TimeLeft:
    """A duration as the progress message says it."""

    hours: int
    minutes: int

    @property
    def under_a_minute(self) -> bool:
        return self.hours == 0 and self.minutes == 0


def campaign_share(dispatcher: DeliveryView, campaign_id: int) -> CampaignShare:
    """The measured rate of the campaign's sends, or, before there is one, its fair share."""
    stream = f"c{campaign_id}"
    others = [name for name in dispatcher.meter.active("c") if name != stream]
    measured = dispatcher.meter.rate(stream)
    if measured is not None:
        return CampaignShare(measured, len(others), measured=True)
    return CampaignShare(dispatcher.pace / (1 + len(others)), len(others), measured=False)


def time_left(remaining: int, rate: float) -> TimeLeft:
    """`remaining` messages at `rate` per second, in whole minutes (under one: 0 h 0 min)."""
    seconds = remaining / rate if rate > 0 else 0.0
    minutes = int(seconds // 60) if seconds < 3600 else round(seconds / 60)
    return TimeLeft(minutes // 60, minutes % 60)
