"""Callback kinds of the expert and admin screens, registered with the one codec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.callbacks import AdminTarget, callback

WindowActionName = Literal["menu", "delist", "relist", "up", "down", "pin", "unpin"]
EditableField = Literal["price", "stock", "reason", "title"]


@callback("xvert")
@dataclass(frozen=True)
class ApplyVertical:
    """The applicant picks their vertical."""

    vertical: str


@callback("xtag")
@dataclass(frozen=True)
class ApplyTag:
    """The applicant toggles an ability tag."""

    tag: str


@callback("xtagok")
@dataclass(frozen=True)
class ApplyTagsDone:
    """The applicant has chosen their ability tags."""


@callback("xpub")
@dataclass(frozen=True)
class PublishDecision:
    """Publish the previewed draft (`publish`) or drop it."""

    publish: bool


@callback("xshop")
@dataclass(frozen=True)
class PublishShop:
    """The shop that sells the draft's item: a verified merchant, or None for "not registered"."""

    merchant_id: int | None


@callback("xshopc")
@dataclass(frozen=True)
class PublishChangeShop:
    """From the preview, choose the draft's shop again."""


@callback("xwin")
@dataclass(frozen=True)
class MyWindowPage:
    """Show page `page` of the expert's own window."""

    page: int


@callback("xact")
@dataclass(frozen=True)
class WindowAction:
    """One action on one of the expert's own items."""

    item_id: int
    action: WindowActionName


@callback("xedit")
@dataclass(frozen=True)
class EditItemField:
    """Start editing one field of an item (stock doubles as restock)."""

    item_id: int
    field: EditableField


@callback("xpin")
@dataclass(frozen=True)
class PinItem:
    """Pin the item to the headline slot for `days` days."""

    item_id: int
    days: int


@callback("aun")
@dataclass(frozen=True)
class AdminUnsuspend:
    """An admin lifts the suspension of an expert, a merchant or an item."""

    kind: AdminTarget
    target_id: int
