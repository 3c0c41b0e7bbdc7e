"""The callback kinds of the fan's screens: windows and item cards, favourites, the cart,
following experts, interests, settings, the feed and rankings, pre-sale reservations, item
reports and /forget; plus `Noop` for buttons that only answer (page counters, separators).

Pages are 0-based; a str field "" for a vertical means "all".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.domain.callbacks.codec import CALLBACK_VERSION, MAX_CALLBACK_INT, callback, decode_as
from bot.domain.rankings import TopBoard

ItemSource = Literal["window", "feed", "top", "favs", "cart", "push", "share", "digest"]
FollowSource = Literal["link", "card", "window", "push", "top", "browse", "feed", "share"]
SettingName = Literal["lang", "mode", "quiet", "cap", "digest", "consent"]
SettingsSection = Literal["main", "lang", "mode", "quiet", "cap", "digest", "consent"]
ReportReason = Literal["", "fake", "misleading", "offensive", "spam", "other"]


@callback("noop")
@dataclass(frozen=True)
class Noop:
    """A button that does nothing but answer (page counters, separators)."""


@callback("win")
@dataclass(frozen=True)
class WindowPage:
    """Show page `page` of an expert's window."""

    expert_id: int
    page: int


@callback("item")
@dataclass(frozen=True)
class ItemDetail:
    """Show an item's card (new from a list, in place of its details); `source` says which screen
    the fan came from."""

    item_id: int
    source: ItemSource


@callback("more")
@dataclass(frozen=True)
class ItemMore:
    """Turn an item card into its details; `page` is the window page to go back to (None: the
    card opened from `source`)."""

    item_id: int
    source: ItemSource
    page: int | None


@callback("fav")
@dataclass(frozen=True)
class FavouriteToggle:
    """Add the item to the fan's favourites, or remove it if it is there."""

    item_id: int


@callback("favp")
@dataclass(frozen=True)
class FavouritesPage:
    """Show page `page` of the fan's favourites."""

    page: int


@callback("cadd")
@dataclass(frozen=True)
class CartAdd:
    """Put one more of the item in the fan's cart."""

    item_id: int


@callback("crm")
@dataclass(frozen=True)
class CartRemove:
    """Take the item out of the fan's cart."""

    item_id: int


@callback("cqty")
@dataclass(frozen=True)
class CartSetQuantity:
    """Set the item's quantity in the cart (0 removes it)."""

    item_id: int
    quantity: int


@callback("cart")
@dataclass(frozen=True)
class CartPage:
    """Show page `page` of the fan's cart."""

    page: int


@callback("fol")
@dataclass(frozen=True)
class Follow:
    """Follow the expert; `source` is recorded for reports."""

    expert_id: int
    source: FollowSource


@callback("unf")
@dataclass(frozen=True)
class Unfollow:
    """Stop following the expert; `source` says where the button was."""

    expert_id: int
    source: FollowSource


@callback("folp")
@dataclass(frozen=True)
class FollowingPage:
    """Show page `page` of the experts the fan follows."""

    page: int


@callback("mute")
@dataclass(frozen=True)
class MuteToggle:
    """Mute the expert's pushes, or unmute them."""

    expert_id: int


@callback("card")
@dataclass(frozen=True)
class ExpertCard:
    """Show an expert's card (profile, Follow and Window buttons)."""

    expert_id: int


@callback("exp")
@dataclass(frozen=True)
class ExpertsBrowse:
    """Show page `page` of verified experts in `vertical` ("" for all)."""

    vertical: str
    page: int


@callback("into")
@dataclass(frozen=True)
class InterestsOpen:
    """Show the tags of `vertical` ("" for the list of verticals) on the interests screen."""

    vertical: str
    onboarding: bool


@callback("int")
@dataclass(frozen=True)
class InterestToggle:
    """Add or remove an interest tag; `onboarding` keeps the first-run screen's buttons."""

    tag: str
    onboarding: bool


@callback("intok")
@dataclass(frozen=True)
class InterestsDone:
    """Close the interests screen (and finish onboarding if `onboarding`)."""

    onboarding: bool


@callback("seto")
@dataclass(frozen=True)
class SettingsOpen:
    """Show a settings screen."""

    section: SettingsSection


@callback("set")
@dataclass(frozen=True)
class SettingChange:
    """Change one setting; `value` is parsed by the rules for that setting (push_rules)."""

    setting: SettingName
    value: str


@callback("feed")
@dataclass(frozen=True)
class FeedPage:
    """Show page `page` of the fan's /foryou feed."""

    page: int


@callback("top")
@dataclass(frozen=True)
class TopPage:
    """Show page `page` of a ranking board in `vertical` ("" for all)."""

    vertical: str
    board: TopBoard
    page: int


ReserveSource = Literal[
    "window", "feed", "top", "favs", "cart", "push", "share", "digest", "card", "unknown"
]
_RESERVE_BEFORE_SOURCE = re.compile(rf"{CALLBACK_VERSION}:rsv:(0|[1-9][0-9]{{0,15}})")


@callback("rsv")
@dataclass(frozen=True)
class ReservePresale:
    """Reserve a pre-sale item: remind the fan when it opens; `source` is where it was pressed.

    "card" is an item card that did not say which screen it was on; "unknown" is a button sent
    before the source was carried (see `decode_reserve`).
    """

    item_id: int
    source: ReserveSource = "card"


def decode_reserve(data: object) -> ReservePresale:
    """A ReservePresale press, including buttons sent before the source was carried.

    Those read ``"1:rsv:<item id>"`` and decode with source "unknown", so a pre-sale card sent
    days before an upgrade still reserves. Anything else raises DomainError("callback.*").
    """
    if isinstance(data, str):
        old = _RESERVE_BEFORE_SOURCE.fullmatch(data)
        if old is not None and int(old.group(1)) <= MAX_CALLBACK_INT:
            return ReservePresale(int(old.group(1)), "unknown")
    return decode_as(ReservePresale, data)


@callback("rep")
@dataclass(frozen=True)
class ReportItem:
    """Report an item to admins; an empty `reason` asks the fan to pick one."""

    item_id: int
    reason: ReportReason


@callback("fgtok")
@dataclass(frozen=True)
class ForgetConfirm:
    """Confirm /forget; `issued_at` (Unix seconds) lets handlers refuse stale confirmations."""

    issued_at: int


@callback("fgtno")
@dataclass(frozen=True)
class ForgetCancel:
    """Cancel /forget."""
