"""The stored records the fan screens show, named here so that handlers never import storage.

They are the repositories' frozen dataclasses (read-only values); the services return them
inside their result dataclasses.
"""

from __future__ import annotations

from storage.repositories.browse import ExpertSummary
from storage.repositories.cart import CartLine
from storage.repositories.experts import Expert
from storage.repositories.fan_settings import FanSettingsRow
from storage.repositories.follows import FollowedExpert
from storage.repositories.items import Item

__all__ = ["CartLine", "Expert", "ExpertSummary", "FanSettingsRow", "FollowedExpert", "Item"]
