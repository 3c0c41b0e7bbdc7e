"""Page arithmetic shared by every fan list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paging:
    """Page `page` (0-based) of a list of `total` entries, `size` per page."""

    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, even for an empty list)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        """Index of the page's first entry."""
        return self.page * self.size

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 0

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page + 1 < self.pages


def clamp_page(page: int, size: int, total: int) -> tuple[Paging, bool]:
    """The page to show for a requested page, and whether the request was out of range.

    An old button may ask for a page that no longer exists (the list shrank): it gets the last
    page instead, and the caller tells the fan the list changed.
    """
    paging = Paging(max(page, 0), size, total)
    if paging.page < paging.pages:
        return paging, False
    return Paging(paging.pages - 1, size, total), True
