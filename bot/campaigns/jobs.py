"""Campaign timing on PTB's JobQueue; the campaigns table is the truth, jobs are re-armed from it.

At start: every 'scheduled' campaign gets a job at its start time; one whose time passed while
the bot was down starts now if it is late by less than VITRINE_CAMPAIGN_GRACE_MINUTES, else it
is marked 'missed' and the expert is told (a recurring one skips to its next occurrence).
'running' campaigns get their progress job back; their outbox rows resume in the dispatcher.
Firing moves scheduled -> running in the fan-out transaction, so a run fires at most once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackContext

from bot.campaigns.audience import PUSH_ONLY_KINDS
from bot.campaigns.cards import CampaignCards
from bot.campaigns.eta import campaign_share, time_left
from bot.campaigns.service import CampaignService, local_formatter, next_occurrence, now_utc
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.lanes import NOTICE
from bot.links import buy_url, deep_link
from bot.services import Services
from storage.repositories.campaigns import AudienceFunnel, Campaign

log = logging.getLogger(__name__)

CAMPAIGNS_KEY = "campaigns"
PROGRESS_INTERVAL_SECONDS = 3.0
DIGEST_INTERVAL_SECONDS = 60.0


class CampaignRuntime:
    """The campaign service plus the jobs that drive it, kept in bot_data[CAMPAIGNS_KEY]."""

    def __init__(
        self, application: Application, services: Services, dispatcher: Dispatcher
    ) -> None:  # type: ignore[type-arg]
        self.application = application
        self.services = services
        self.dispatcher = dispatcher
        delivery = services.settings.delivery
        self.service = CampaignService(
            services.repos,
            campaigns_per_day=delivery.campaigns_per_day,
            pushes_per_fan_per_day=delivery.pushes_per_fan_per_day,
        )
        self.cards = CampaignCards(services.repos, services.texts, services.settings)
        self._last_progress: dict[int, str] = {}
        # Why a run reached nobody, by campaign, computed once per run (see progress_text).
        self._nobody: dict[tuple[int, datetime | None], AudienceFunnel] = {}

    @property
    def job_queue(self) -> Any:
        return self.application.job_queue

    async def expert_context(self, campaign: Campaign) -> tuple[str, str, int | None]:
        """(time zone, language, chat id) of the campaign's expert."""
        expert = await self.services.repos.experts.get(campaign.expert_id)
        user = await self.services.repos.users.get(expert.user_id) if expert else None
        if user is None:
            return self.services.settings.default_timezone, "zh_Hans", None
        return user.timezone, user.language, user.telegram_id

    # --- arming ---------------------------------------------------------------------------

    def arm_start(self, campaign_id: int, when: datetime) -> None:
        """Fire the campaign at `when` (now if past)."""
        for job in self.job_queue.get_jobs_by_name(f"campaign-start {campaign_id}"):
            job.schedule_removal()
        delay = max((when - now_utc()).total_seconds(), 0.0)
        self.job_queue.run_once(
            self._fire_job, delay, data=campaign_id, name=f"campaign-start {campaign_id}"
        )

    def arm_progress(self, campaign_id: int) -> None:
        """Edit the campaign's progress message every few seconds until it is done."""
        name = f"campaign-progress {campaign_id}"
        if not self.job_queue.get_jobs_by_name(name):
            self.job_queue.run_repeating(
                self._progress_job,
                PROGRESS_INTERVAL_SECONDS,
                first=0.5,
                data=campaign_id,
                name=name,
            )

    def arm_presale(self, item_id: int, opens_at: datetime) -> None:
        """Remind the item's reservers when it opens."""
        name = f"presale-open {item_id}"
        for job in self.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        delay = max((opens_at - now_utc()).total_seconds(), 0.0)
        self.job_queue.run_once(self._presale_job, delay, data=item_id, name=name)

    async def rearm(self) -> None:
        """Arm every job the database says is due or coming."""
        repos = self.services.repos
        now = now_utc()
        grace = timedelta(minutes=self.services.settings.delivery.campaign_grace_minutes)
        for campaign in await repos.campaigns.with_status("scheduled"):
            starts_at = campaign.starts_at or now
            if starts_at >= now or now - starts_at <= grace:
                self.arm_start(campaign.id, starts_at)
            elif campaign.recurrence:
                tz, _, _ = await self.expert_context(campaign)
                next_at = next_occurrence(campaign.recurrence, tz, now)
                await repos.campaigns.update(campaign.id, starts_at=next_at)
                await self._tell_missed(campaign)
                self.arm_start(campaign.id, next_at)
            elif await repos.campaigns.set_status(campaign.id, "missed", only_from=("scheduled",)):
                await self._tell_missed(campaign)
        for campaign in await repos.campaigns.with_status("running", "paused"):
            self.arm_progress(campaign.id)
        for item_id, opens_at in await repos.campaigns.presales_to_remind():
            self.arm_presale(item_id, opens_at)
        self.job_queue.run_repeating(
            self._digest_job, DIGEST_INTERVAL_SECONDS, first=1.0, name="campaign-digest"
        )

    # --- jobs -----------------------------------------------------------------------------

    async def _fire_job(self, context: CallbackContext) -> None:  # type: ignore[type-arg]
        await self.fire(int(context.job.data))  # type: ignore[union-attr]

    async def fire(self, campaign_id: int) -> int | None:
        """Start a run now: fan out, post the progress message, and follow it."""
        written = await self.service.fire(campaign_id, now_utc())
        if written is None:
            return None
        campaign = await self.services.repos.campaigns.get(campaign_id)
        if campaign is None:
            return written
        if campaign.kind == "presale" and campaign.ends_at and campaign.item_ids:
            self.arm_presale(campaign.item_ids[0], campaign.ends_at)
        self.cards.forget(campaign_id)
        self.dispatcher.wake()
        if campaign.status == "running":
            await self._post_progress(campaign)
            self.arm_progress(campaign_id)
        return written

    async def _post_progress(self, campaign: Campaign) -> None:
        _, language, chat_id = await self.expert_context(campaign)
        if chat_id is None:
            return
        text = await self.progress_text(campaign, language)
        try:
            message = await self.application.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, rate_limit_args=NOTICE
            )
        except TelegramError:
            log.warning("could not post progress of campaign %d", campaign.id)
            return
        self._last_progress[campaign.id] = text
        await self.services.repos.campaigns.update(
            campaign.id, progress_chat_id=chat_id, progress_message_id=message.message_id
        )

    async def run_counts(self, campaign: Campaign) -> dict[str, int]:
        """Rows of the campaign's current run by status (a recurring run counts its own only)."""
        now = self.dispatcher.now()
        if campaign.recurrence and campaign.started_at is not None:
            return await self.services.repos.campaigns.run_counts(
                campaign.id, campaign.started_at, now
            )
        return await self.services.repos.outbox.campaign_counts(campaign.id, now)

    async def why_nobody(self, campaign: Campaign) -> AudienceFunnel:
        """The audience of a run that reached nobody, rule by rule, as it was when it went out."""
        key = (campaign.id, campaign.started_at)
        if key not in self._nobody:
            self._nobody[key] = await self.service.funnel(
                campaign, campaign.expert_id, campaign.started_at or now_utc()
            )
        return self._nobody[key]

    async def follow_link(self, campaign: Campaign) -> str:
        """The link fans follow the campaign's expert with."""
        expert = await self.services.repos.experts.get(campaign.expert_id)
        return deep_link(self.application.bot.username, expert.handle) if expert else ""

    async def progress_text(self, campaign: Campaign, language: str) -> str:
        """The progress message: sent / total, blocked, failed, waiting, time left.

        A run that reached nobody says why instead (the audience rule by rule).
        """
        counts = await self.run_counts(campaign)
        total = sum(counts.values())
        nobody = await self.why_nobody(campaign) if total == 0 else None
        remaining = counts.get("queued", 0) + counts.get("sending", 0)
        finished = counts.get("sent", 0) + counts.get("failed", 0) + counts.get("blocked", 0)
        share = campaign_share(self.dispatcher, campaign.id)
        percent = 100 if total == 0 or remaining == 0 else min(99, int(100 * finished / total))
        return self.services.texts.render(
            "campaign/progress",
            language,
            campaign=campaign,
            total=total,
            sent=counts.get("sent", 0),
            blocked=counts.get("blocked", 0),
            failed=counts.get("failed", 0),
            later=counts.get("later", 0),
            digest=counts.get("digest", 0),
            dropped=counts.get("dropped", 0),
            percent=percent,
            time_left=time_left(remaining, share.rate) if remaining else None,
            sharing_with=share.sharing_with,
            nobody=nobody,
            follow_link=await self.follow_link(campaign) if nobody else "",
            slot_given_back=nobody is not None
            and campaign.kind in PUSH_ONLY_KINDS
            and campaign.audience_size == 0,
        )

    async def _progress_job(self, context: CallbackContext) -> None:  # type: ignore[type-arg]
        campaign_id = int(context.job.data)  # type: ignore[union-attr]
        repos = self.services.repos
        campaign = await repos.campaigns.get(campaign_id)
        if campaign is None:
            context.job.schedule_removal()  # type: ignore[union-attr]
            return
        counts = await repos.outbox.campaign_counts(campaign_id, self.dispatcher.now())
        tz, language, _ = await self.expert_context(campaign)
        if campaign.status == "running" and not counts.get("queued") and not counts.get("sending"):
            campaign = await self.service.finish_run(campaign, now_utc(), tz) or campaign
            if campaign.status == "scheduled" and campaign.starts_at:
                self.arm_start(campaign.id, campaign.starts_at)
        await self._edit_progress(campaign, language)
        if campaign.status not in ("running", "paused"):
            context.job.schedule_removal()  # type: ignore[union-attr]
            self._last_progress.pop(campaign_id, None)
            for key in [k for k in self._nobody if k[0] == campaign_id]:
                del self._nobody[key]

    async def _edit_progress(self, campaign: Campaign, language: str) -> None:
        if campaign.progress_chat_id is None or campaign.progress_message_id is None:
            return
        text = await self.progress_text(campaign, language)
        if self._last_progress.get(campaign.id) == text:
            return  # Telegram refuses edits that change nothing
        try:
            await self.application.bot.edit_message_text(
                text,
                campaign.progress_chat_id,
                campaign.progress_message_id,
                parse_mode=ParseMode.HTML,
                rate_limit_args=NOTICE,
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                log.warning("progress edit of campaign %d refused: %s", campaign.id, error)
        except TelegramError as error:
            log.warning("progress edit of campaign %d failed: %s", campaign.id, error)
            return
        self._last_progress[campaign.id] = text

    async def refresh_progress(self, campaign_id: int) -> None:
        """Show a status change (pause, resume, cancel) on the progress message now."""
        campaign = await self.services.repos.campaigns.get(campaign_id)
        if campaign is not None:
            _, language, _ = await self.expert_context(campaign)
            await self._edit_progress(campaign, language)

    async def _tell_missed(self, campaign: Campaign) -> None:
        _, language, chat_id = await self.expert_context(campaign)
        if chat_id is None:
            return
        tz, _, _ = await self.expert_context(campaign)
        text = self.services.texts.render(
            "campaign/missed", language, campaign=campaign, local=local_formatter(tz)
        )
        await self.services.outbox.enqueue(
            "notice",
            chat_id,
            {"method": "sendMessage", "params": {"text": text, "parse_mode": "HTML"}},
            f"missed:c{campaign.id}:{int((campaign.starts_at or now_utc()).timestamp())}",
        )

    async def _presale_job(self, context: CallbackContext) -> None:  # type: ignore[type-arg]
        await self.remind_presale(int(context.job.data))  # type: ignore[union-attr]

    async def remind_presale(self, item_id: int) -> int:
        """The pre-sale opened: remind every reserver once, with their own Buy button.

        Returns how many reminders were queued. The Buy link is signed for the reserver and
        credited to the pre-sale campaign that announced the item.
        """
        repos = self.services.repos
        item = await repos.items.get(item_id)
        if item is None:
            return 0
        campaign_id = await repos.campaigns.presale_campaign_of(item_id)
        buyable = item.available and not item.sold_out
        queued = 0
        for user_id, telegram_id in await repos.campaigns.take_reservers(item_id, now_utc()):
            user = await repos.users.get(user_id)
            language = user.language if user else "zh_Hans"
            text = self.services.texts.render(
                "campaign/presale_open", language, item=item, buyable=buyable
            )
            params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
            if buyable:
                url = buy_url(
                    self.services.settings,
                    item_id=item.id,
                    fan_id=user_id,
                    source="campaign",
                    campaign_id=campaign_id,
                )
                label = self.services.texts.label(language, "campaign.buy")
                params["reply_markup"] = {"inline_keyboard": [[{"text": label, "url": url}]]}
            queued += await self.services.outbox.enqueue(
                "reminder",
                telegram_id,
                {"method": "sendMessage", "params": params},
                f"presale:{item_id}:u{user_id}",
                user_id=user_id,
            )
        return queued

    async def _digest_job(self, context: CallbackContext) -> None:  # type: ignore[type-arg]
        await self.run_digest(self.dispatcher.now())

    async def run_digest(self, now: datetime) -> int:
        """Send each digest-mode fan whose digest hour came one message with its pushes."""
        rows = await self.services.repos.outbox.due_digest_rows(now)
        by_fan: dict[tuple[int, int], list[tuple[int, int | None]]] = {}
        for row_id, user_id, campaign_id, chat_id in rows:
            by_fan.setdefault((user_id, chat_id), []).append((row_id, campaign_id))
        sent = 0
        for (user_id, chat_id), entries in by_fan.items():
            campaign_ids = sorted({c for _, c in entries if c is not None})
            digest_row = {
                "kind": "digest",
                "chat_id": chat_id,
                "user_id": user_id,
                "payload": {"render": "digest", "campaign_ids": campaign_ids},
                "dedup_key": f"digest:u{user_id}:{now:%Y%m%d%H}",
            }
            sent += await self.services.repos.outbox.fold_into_digest(
                [row_id for row_id, _ in entries], digest_row, now
            )
        if sent:
            self.dispatcher.wake()
        return sent


async def start_campaigns(
    application: Application, services: Services, dispatcher: Dispatcher
) -> CampaignRuntime:  # type: ignore[type-arg]
    """Register the campaign renderers and re-arm every campaign job."""
    runtime = CampaignRuntime(application, services, dispatcher)
    dispatcher.renderers["campaign"] = runtime.cards.render
    dispatcher.renderers["digest"] = runtime.cards.render_digest
    application.bot_data[CAMPAIGNS_KEY] = runtime
    await runtime.rearm()
    return runtime


def campaigns_of(bot_data: Any) -> CampaignRuntime:
    """The campaign runtime stored at start."""
    return bot_data[CAMPAIGNS_KEY]  # type: ignore[no-any-return]
