"""/campaign: the guided conversation (kind, items, audience, schedule, preview, confirm)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from bot.campaigns.audience import PUSH_ONLY_KINDS
from bot.campaigns.callbacks import (
    WizardAbort,
    WizardAudience,
    WizardConfirm,
    WizardItemsDone,
    WizardItemToggle,
    WizardKind,
    WizardSchedule,
    WizardTagsDone,
    WizardTagToggle,
)
from bot.campaigns.jobs import campaigns_of
from bot.campaigns.service import (
    DISCOVERY_KINDS,
    KINDS,
    Draft,
    local_formatter,
    now_utc,
    parse_schedule,
)
from bot.context import VitrineContext
from bot.domain.callbacks import decode
from bot.domain.errors import DomainError
from bot.domain.verticals import tags_of_vertical
from bot.links import deep_link
from handlers.expert.common import active_expert
from handlers.keyboards import Button, button, keyboard
from storage.repositories.experts import Expert

KIND, ITEMS, AUDIENCE, TAGS, SCHEDULE, TIME, PREVIEW = range(7)
DRAFT_KEY = "campaign_draft"
MAX_ITEMS = 3
WINDOW_ITEMS_SHOWN = 10


def _draft(context: VitrineContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT_KEY, {})  # type: ignore[union-attr,no-any-return]


async def _show(
    update: Update,
    context: VitrineContext,
    template: str,
    rows: list[list[Button]] | None,
    **values: Any,
) -> None:
    """Edit the wizard message when a button was pressed, else send a new one."""
    values.setdefault("local", local_formatter(context.user.timezone))
    text = context.services.texts.render(f"campaign/{template}", context.language, **values)
    markup = keyboard(rows or [])
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup
        )


def _label(context: VitrineContext, key: str, **params: Any) -> str:
    return context.services.texts.label(context.language, f"campaign.{key}", **params)


async def _expert(context: VitrineContext) -> Expert | None:
    expert = await context.services.repos.experts.by_user(context.user.id)
    return expert if expert is not None and expert.is_active else None


async def _answer(update: Update) -> object:
    query = update.callback_query
    assert query is not None
    await query.answer()
    try:
        return decode(query.data)
    except DomainError:
        return None


async def start(update: Update, context: VitrineContext) -> int:
    """/campaign: only verified experts with a campaign left today; first pick the kind."""
    expert = await active_expert(update, context)  # says why: not applied, pending, suspended
    if expert is None:
        return ConversationHandler.END
    runtime = campaigns_of(context.bot_data)
    quota = await runtime.service.quota(expert.id, context.user.timezone, now_utc())
    if not quota.allowed:  # said now, not after the expert has prepared the whole campaign
        code = "campaign.none_left_today" if quota.limit else "campaign.switched_off"
        params = {"limit": quota.limit, "resets_at": quota.resets_at}
        await _show(update, context, "errors", None, code=code, params=params)
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        return ConversationHandler.END
    context.user_data[DRAFT_KEY] = {"items": [], "tags": []}  # type: ignore[index]
    rows = [[button(_label(context, f"kind_{k}"), WizardKind(k))] for k in KINDS]  # type: ignore[arg-type]
    rows.append([button(_label(context, "abort"), WizardAbort())])
    await _show(update, context, "ask_kind", rows, left=quota.remaining, limit=quota.limit)
    return KIND


async def pick_kind(update: Update, context: VitrineContext) -> int:
    """Remember the kind; account recommendations need no items."""
    value = await _answer(update)
    if not isinstance(value, WizardKind):
        return KIND
    _draft(context)["kind"] = value.kind
    if value.kind == "account":
        return await _ask_audience(update, context)
    return await _ask_items(update, context)


async def _ask_items(update: Update, context: VitrineContext) -> int:
    expert = await _expert(context)
    if expert is None:
        return ConversationHandler.END
    window, _ = await context.services.repos.items.window(
        expert.id, offset=0, limit=WINDOW_ITEMS_SHOWN
    )
    if not window:
        await _show(update, context, "no_items", None)
        return ConversationHandler.END
    chosen = _draft(context)["items"]
    rows = [
        [button(("✅ " if item.id in chosen else "") + item.title[:40], WizardItemToggle(item.id))]
        for item in window
    ]
    rows.append(
        [
            button(_label(context, "done"), WizardItemsDone()),
            button(_label(context, "abort"), WizardAbort()),
        ]
    )
    await _show(update, context, "ask_items", rows, chosen=len(chosen), limit=MAX_ITEMS)
    return ITEMS


async def toggle_item(update: Update, context: VitrineContext) -> int:
    """Choose items from the expert's own window (ownership checked)."""
    value = await _answer(update)
    expert = await _expert(context)
    if isinstance(value, WizardItemsDone):
        if not _draft(context)["items"]:
            return await _ask_items(update, context)
        return await _ask_audience(update, context)
    if not isinstance(value, WizardItemToggle) or expert is None:
        return ITEMS
    item = await context.services.repos.items.get(value.item_id)
    if item is None or item.expert_id != expert.id or not item.available:
        return ITEMS
    chosen: list[int] = _draft(context)["items"]
    if item.id in chosen:
        chosen.remove(item.id)
    elif len(chosen) < MAX_ITEMS and not (
        chosen and _draft(context)["kind"] in ("headline", "presale")
    ):
        chosen.append(item.id)
    return await _ask_items(update, context)


async def _ask_audience(update: Update, context: VitrineContext) -> int:
    kind = _draft(context)["kind"]
    modes = ["all", "tags"] + (["none"] if kind in ("headline", "account") else [])
    rows = [
        [
            button(
                _label(
                    context,
                    f"audience_{m}_{'discovery' if kind in DISCOVERY_KINDS and m != 'none' else 'fans'}"
                    if m != "none"
                    else "audience_none",
                ),
                WizardAudience(m),
            )
        ]
        for m in modes
    ]  # type: ignore[arg-type]
    rows.append([button(_label(context, "abort"), WizardAbort())])
    await _show(update, context, "ask_audience", rows, kind=kind)
    return AUDIENCE


async def pick_audience(update: Update, context: VitrineContext) -> int:
    """All followers (or all consenting fans), a tag segment, or no push."""
    value = await _answer(update)
    if not isinstance(value, WizardAudience):
        return AUDIENCE
    draft = _draft(context)
    draft["push"] = value.mode != "none"
    draft["tags"] = []
    if value.mode == "tags":
        return await _ask_tags(update, context)
    return await _ask_schedule(update, context)


async def _ask_tags(update: Update, context: VitrineContext) -> int:
    expert = await _expert(context)
    if expert is None:
        return ConversationHandler.END
    chosen = _draft(context)["tags"]
    tags = _offered_tags(expert)
    rows = [[button(("✅ " if tag in chosen else "") + tag, WizardTagToggle(tag))] for tag in tags]
    rows.append([button(_label(context, "done"), WizardTagsDone())])
    await _show(update, context, "ask_tags", rows, chosen=chosen)
    return TAGS


def _offered_tags(expert: Expert) -> list[str]:
    """The interest tags the wizard offers this expert (their vertical's and their own)."""
    return list(dict.fromkeys((*tags_of_vertical(expert.vertical), *expert.tags)))[:12]


async def toggle_tag(update: Update, context: VitrineContext) -> int:
    """Build the interest segment from the offered tags only (forged tags are refused)."""
    query = update.callback_query
    assert query is not None
    try:
        value: object = decode(query.data)
    except DomainError:
        value = None
    if isinstance(value, WizardTagToggle):
        expert = await _expert(context)
        if expert is None or value.tag not in _offered_tags(expert):
            await query.answer(_label(context, "stale"))
            return TAGS
    await query.answer()
    chosen: list[str] = _draft(context)["tags"]
    if isinstance(value, WizardTagsDone):
        return await (_ask_schedule(update, context) if chosen else _ask_tags(update, context))
    if isinstance(value, WizardTagToggle):
        chosen.remove(value.tag) if value.tag in chosen else chosen.append(value.tag)
    return await _ask_tags(update, context)


async def _ask_schedule(update: Update, context: VitrineContext) -> int:
    kind = _draft(context)["kind"]
    if kind == "presale":
        _draft(context)["when"] = "opens"
        await _show(update, context, "ask_time", None, mode="opens")
        return TIME
    options = ["daily", "weekly"] if kind == "auto" else ["now", "at"]
    rows = [[button(_label(context, f"when_{w}"), WizardSchedule(w))] for w in options]  # type: ignore[arg-type]
    await _show(update, context, "ask_schedule", rows)
    return SCHEDULE


async def pick_schedule(update: Update, context: VitrineContext) -> int:
    """Now goes straight to the preview; the others ask for a time."""
    value = await _answer(update)
    if not isinstance(value, WizardSchedule):
        return SCHEDULE
    draft = _draft(context)
    draft["when"] = value.when
    if value.when == "now":
        draft["starts_at"], draft["recurrence"] = now_utc().timestamp(), None
        return await _preview(update, context)
    await _show(update, context, "ask_time", None, mode=value.when)
    return TIME


async def typed_time(update: Update, context: VitrineContext) -> int:
    """Parse the typed time in the expert's time zone."""
    draft = _draft(context)
    text = update.effective_message.text if update.effective_message else ""
    mode = "at" if draft.get("when") == "opens" else draft.get("when", "at")
    try:
        when, recurrence = parse_schedule(text or "", mode, context.user.timezone, now_utc())
    except DomainError as error:
        await _show(update, context, "errors", None, code=error.code, params=error.params)
        return TIME
    if draft.get("when") == "opens":
        draft["starts_at"], draft["opens_at"], draft["recurrence"] = (
            now_utc().timestamp(),
            when.timestamp(),
            None,
        )
    else:
        draft["starts_at"], draft["recurrence"] = when.timestamp(), recurrence
    return await _preview(update, context)


def _to_draft(raw: dict[str, Any]) -> Draft:
    from datetime import UTC, datetime

    return Draft(
        kind=raw["kind"],
        item_ids=tuple(raw["items"]),
        tags=tuple(raw["tags"]),
        push=bool(raw.get("push", True)),
        starts_at=datetime.fromtimestamp(raw["starts_at"], UTC),
        recurrence=raw.get("recurrence"),
        opens_at=datetime.fromtimestamp(raw["opens_at"], UTC) if raw.get("opens_at") else None,
    )


async def _preview(update: Update, context: VitrineContext) -> int:
    expert = await _expert(context)
    if expert is None:
        return ConversationHandler.END
    draft = _to_draft(_draft(context))
    runtime = campaigns_of(context.bot_data)
    quota = await runtime.service.quota(expert.id, context.user.timezone, draft.starts_at)
    if not quota.allowed:  # that day is full (e.g. a time typed for a later day)
        params = {"limit": quota.limit, "resets_at": quota.resets_at}
        await _show(update, context, "errors", None, code="campaign.daily_limit", params=params)
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        return ConversationHandler.END
    audience = await runtime.service.audience_of(draft, expert.id)
    size = await context.services.repos.campaigns.audience_size(audience) if draft.push else 0
    nobody = (
        await runtime.service.funnel(draft, expert.id, now_utc())
        if draft.push and not size
        else None
    )
    # Sent now to nobody, a push-only campaign would do nothing at all: not offered.
    pointless = (
        nobody is not None
        and draft.kind in PUSH_ONLY_KINDS
        and _draft(context).get("when") == "now"
    )
    items = [i for i in [await context.services.repos.items.get(x) for x in draft.item_ids] if i]
    rows = [
        [
            *([] if pointless else [button(_label(context, "confirm"), WizardConfirm())]),
            button(_label(context, "abort"), WizardAbort()),
        ]
    ]
    await _show(
        update,
        context,
        "preview",
        rows,
        draft=draft,
        items=items,
        audience_size=size,
        nobody=nobody,
        pointless=pointless,
        push_only=draft.kind in PUSH_ONLY_KINDS,
        follow_link=deep_link(context.bot.username, expert.handle),
    )
    return PREVIEW


async def confirm(update: Update, context: VitrineContext) -> int:
    """Store the campaign (flood rule checked) and fire or schedule it."""
    value = await _answer(update)
    if isinstance(value, WizardAbort):
        return await abort(update, context)
    expert = await _expert(context)
    if not isinstance(value, WizardConfirm) or expert is None:
        return PREVIEW
    draft = _to_draft(_draft(context))
    runtime = campaigns_of(context.bot_data)
    try:
        campaign = await runtime.service.create(
            expert.id, context.user.timezone, draft, update.effective_chat.id
        )  # type: ignore[union-attr]
    except DomainError as error:
        await _show(update, context, "errors", None, code=error.code, params=error.params)
        context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        return ConversationHandler.END
    context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    starting_now = campaign.starts_at is not None and campaign.starts_at <= now_utc() + timedelta(
        seconds=5
    )
    if starting_now and not draft.push:
        # Nothing to follow as it sends: say what it did (the headline's pin) instead.
        await runtime.fire(campaign.id)
        item = (
            await context.services.repos.items.get(campaign.item_ids[0])
            if campaign.kind == "headline" and campaign.item_ids
            else None
        )
        pinned = item if item is not None and item.pinned_at(now_utc()) else None
        await _show(update, context, "confirmed", None, campaign=campaign, now=True, pinned=pinned)
        return ConversationHandler.END
    await _show(
        update, context, "confirmed", None, campaign=campaign, now=starting_now, pinned=None
    )
    if starting_now:
        await runtime.fire(campaign.id)
    else:
        runtime.arm_start(campaign.id, campaign.starts_at or now_utc())
    return ConversationHandler.END


async def abort(update: Update, context: VitrineContext) -> int:
    """Drop the draft."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    context.user_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    await _show(update, context, "aborted", None)
    return ConversationHandler.END
