"""Lanes: which of the bot's messages go first when Telegram's rate is the bottleneck.

Every Bot API call the bot makes carries a `SendTicket` (python-telegram-bot's
`rate_limit_args`): its lane, and for campaign messages the stream (campaign) it belongs to.
A person waiting for an answer comes first, then notices (orders, verifications, progress,
reminders), then campaign pushes; inside the campaign lane each campaign gets a fair share.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Lane(IntEnum):
    """Priority of a message: lower goes first."""

    REPLY = 0  # an answer to a person who just wrote or pressed a button
    NOTICE = 1  # orders, verifications, campaign progress, reminders, exports
    CAMPAIGN = 2  # campaign pushes and digests


# Outbox kinds that are campaign traffic ("push": every fan-out row; "digest": a digest-mode
# fan's daily pushes folded into one message); every other kind is a notice.
CAMPAIGN_KINDS = frozenset({"push", "digest"})


def lane_of_kind(kind: str) -> Lane:
    """The lane of an outbox row of this kind."""
    return Lane.CAMPAIGN if kind in CAMPAIGN_KINDS else Lane.NOTICE


@dataclass(frozen=True)
class SendTicket:
    """What the send path needs to know about one Bot API call besides its parameters.

    `retry_in_place`: after a 429, the limiter waits and calls again (direct calls, whose caller
    is waiting); an outbox row is instead handed back to the dispatcher, which re-queues it, so
    a crash during the wait loses nothing.
    """

    lane: Lane = Lane.REPLY
    stream: str = ""  # the fair-share key inside a lane, e.g. "c42" for campaign 42
    retry_in_place: bool = True


REPLY = SendTicket(Lane.REPLY)
NOTICE = SendTicket(Lane.NOTICE)


def outbox_ticket(kind: str, campaign_id: int | None) -> SendTicket:
    """The ticket of an outbox row's send."""
    lane = lane_of_kind(kind)
    stream = f"c{campaign_id}" if campaign_id is not None else kind
    return SendTicket(lane, stream, retry_in_place=False)
