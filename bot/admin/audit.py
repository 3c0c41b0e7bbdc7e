"""The audit log as admins read it in the bot: pages of entries, all or about one target, with
names instead of ids (never a Telegram id)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.admin.callbacks import AuditScope
from bot.admin.targets import name_in, resolve_in, status_in
from bot.domain.errors import DomainError

if TYPE_CHECKING:
    from bot.services import Services
    from storage.repositories import Repositories
    from storage.repositories.audit import AuditEntry

AUDIT_PAGE_SIZE = 10
REASON_SHOWN_CHARS = 150  # a page of ten full 500-character reasons would pass Telegram's limit


@dataclass(frozen=True)
class AuditLine:
    """One entry, ready to show: who did what to which target, and why."""

    at: datetime
    actor: str  # @handle for experts, the first name for others, "" for the system
    actor_is_admin: bool
    action: str  # e.g. "expert.suspend" (the template words it)
    target_kind: str
    target: str  # the target's name
    reason: str  # the admin's typed reason, cut to REASON_SHOWN_CHARS
    report_reason: str  # a report's reason code ("fake", …) when the entry comes from a report


@dataclass(frozen=True)
class AuditPage:
    """One page of the log."""

    scope: AuditScope
    target_id: int
    target: str  # "" for the whole log
    lines: list[AuditLine]
    page: int  # 0-based
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


def _cut(text: str) -> str:
    return text if len(text) <= REASON_SHOWN_CHARS else text[: REASON_SHOWN_CHARS - 1] + "…"


async def audit_page(services: Services, scope: AuditScope, target_id: int, page: int) -> AuditPage:
    """Page `page` of the log, newest first (a page past the end shows the last one)."""
    async with services.unit_of_work() as uow:
        return await _page_in(uow, services, scope, target_id, page)


async def audit_for(services: Services, args: list[str]) -> AuditPage:
    """/audit [@handle | item id | expert|merchant|item <ref>]: the newest page of the log.

    DomainError("admin.audit_usage") when the words name no existing target.
    """
    async with services.unit_of_work() as uow:
        if not args:
            return await _page_in(uow, services, "all", 0, 0)
        if len(args) == 1:
            ref = args[0]
            args = ["item", ref] if ref.isascii() and ref.isdigit() else ["expert", ref]
        target = await resolve_in(uow, args)
        if target is None:
            raise DomainError("admin.audit_usage")
        await status_in(uow, *target)  # DomainError when it does not exist
        return await _page_in(uow, services, target[0], target[1], 0)


async def _page_in(
    uow: Repositories, services: Services, scope: AuditScope, target_id: int, page: int
) -> AuditPage:
    kind = None if scope == "all" else scope
    _, total = await uow.audit.page(target_kind=kind, target_id=target_id, limit=0)
    pages = max(1, math.ceil(total / AUDIT_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    entries, total = await uow.audit.page(
        target_kind=kind,
        target_id=target_id,
        offset=page * AUDIT_PAGE_SIZE,
        limit=AUDIT_PAGE_SIZE,
    )
    actors: dict[int, tuple[str, bool]] = {}
    targets: dict[tuple[str, int], str] = {}
    lines = []
    for entry in entries:
        if entry.actor_id is not None and entry.actor_id not in actors:
            actors[entry.actor_id] = await _actor(uow, services, entry.actor_id)
        key = (entry.target_kind, entry.target_id or 0)
        if key not in targets:
            targets[key] = await name_in(uow, *key)
        actor, is_admin = actors.get(entry.actor_id or 0, ("", False))
        lines.append(_line(entry, actor, is_admin, targets[key]))
    return AuditPage(
        scope=scope,
        target_id=target_id,
        target="" if kind is None else await name_in(uow, kind, target_id),
        lines=lines,
        page=page,
        pages=pages,
        total=total,
    )


async def _actor(uow: Repositories, services: Services, user_id: int) -> tuple[str, bool]:
    """(name, is an admin) of the person who acted."""
    user = await uow.users.get(user_id)
    if user is None:
        return "", False
    is_admin = user.telegram_id is not None and services.is_admin(user.telegram_id)
    expert = await uow.experts.by_user(user_id)
    if expert is not None and not is_admin:
        return f"@{expert.handle}", False
    return user.first_name or f"#{user_id}", is_admin


def _line(entry: AuditEntry, actor: str, is_admin: bool, target: str) -> AuditLine:
    detail = entry.detail
    report_reason = detail.get("report_reason", "")
    reason = detail.get("reason", "")
    if entry.action == "report.file":  # a fan's report carries the reason code, not text
        report_reason, reason = reason, ""
    return AuditLine(
        at=entry.at,
        actor=actor,
        actor_is_admin=is_admin,
        action=entry.action,
        target_kind=entry.target_kind,
        target=target,
        reason=_cut(str(reason or "")),
        report_reason=str(report_reason or ""),
    )
