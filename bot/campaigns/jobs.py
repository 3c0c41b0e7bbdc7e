"""Campaign timing on PTB's JobQueue; the campaigns table is the truth, jobs are re-armed from it.

At start: every 'scheduled' campaign gets a job at its start time; one whose time passed while
the bot was down starts now if it is late by less than VITRINE_CAMPAIGN_GRACE_MINUTES, else it
is marked 'missed' and the expert is told (a recurring one skips to its next occurrence).
'running' campaigns get their progress job back; their outbox rows resume in the dispatcher.
Firing moves scheduled -> running in the fan-out transaction, so a run fires at most once.

`CampaignRuntime` is what bot/campaigns/service.py calls a `CampaignRunner`: the use cases decide,
the runtime arms jobs, wakes the dispatcher and keeps the live progress message; what each job
does to the database is a function of bot/campaigns/runs.py.

With roles (bot/roles.py), only the scheduler leader has a job queue. A web process's runtime
arms nothing: a campaign started now fires there at once (firing is once-only in the database),
and one stored for later is armed by the leader, which looks for new work every
`SYNC_INTERVAL_SECONDS` (`sync`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.error import BadRequest, TelegramError

from bot.campaigns import runs
from bot.campaigns.cards import CampaignCards
from bot.campaigns.eta import campaign_share, time_left
from bot.campaigns.service import local_formatter, now_utc
from bot.context import VitrineApp, VitrineContext
from bot.delivery.lanes import NOTICE
from bot.delivery.remote import DeliveryView
from bot.domain.campaigns import PUSH_ONLY_KINDS
from bot.domain.states import CampaignKind, CampaignStatus
from bot.links import buy_url, deep_link
from bot.services import Services
from storage.repositories.campaigns import AudienceFunnel, Campaign

log = logging.getLogger(__name__)

CAMPAIGNS_KEY = "campaigns"
PROGRESS_INTERVAL_SECONDS = 3.0
DIGEST_INTERVAL_SECONDS = 60.0
SYNC_INTERVAL_SECONDS = 5.0  # the scheduler leader arms what web processes stored this often
FOLLOWED = frozenset({CampaignStatus.RUNNING, CampaignStatus.PAUSED})  # progress still changes


def _job_value(context: VitrineContext) -> int:
    """The id a campaign job was armed with."""
    job = context.job
    if job is None or not isinstance(job.data, int):
        raise RuntimeError("a campaign job runs without its id")
    return job.data


class CampaignRuntime:
    """The campaign jobs and the progress messages, kept in bot_data[CAMPAIGNS_KEY]."""

    def __init__(
        self,
        application: VitrineApp,
        services: Services,
        dispatcher: DeliveryView,
        *,
        name: str,
    ) -> None:
        self.application = application
        self.name = name  # this process, as the firer of the runs it fires
        self.services = services
        self.dispatcher = dispatcher
        self.cards = CampaignCards(services.repos, services.texts, services.settings)
        self._armed: dict[str, datetime] = {}  # job name -> the time it was armed for
        self._last_progress: dict[int, str] = {}
        # Why a run reached nobody, by campaign, computed once per run (see progress_text).
        self._nobody: dict[tuple[int, datetime | None], AudienceFunnel | None] = {}

    @property
    def job_queue(self) -> Any:
        return self.application.job_queue

    def wake(self) -> None:
        """Tell the dispatcher messages may be due."""
        self.dispatcher.wake()

    # --- arming ---------------------------------------------------------------------------

    def _arm_once(self, name: str, when: datetime, callback: Any, data: int) -> None:
        """One job `name` at `when` (now if past), replacing the one armed before."""
        queue = self.job_queue
        if queue is None:  # a web process: the scheduler leader arms it (`sync`)
            return
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
        self._armed[name] = when
        delay = max((when - now_utc()).total_seconds(), 0.0)
        queue.run_once(callback, delay, data=data, name=name)

    def arm_start(self, campaign_id: int, when: datetime) -> None:
        """Fire the campaign at `when` (now if past)."""
        self._arm_once(f"campaign-start {campaign_id}", when, self._fire_job, campaign_id)

    def arm_progress(self, campaign_id: int) -> None:
        """Edit the campaign's progress message every few seconds until it is done."""
        name = f"campaign-progress {campaign_id}"
        if self.job_queue is not None and not self.job_queue.get_jobs_by_name(name):
            self.job_queue.run_repeating(
                self._progress_job,
                PROGRESS_INTERVAL_SECONDS,
                first=0.5,
                data=campaign_id,
                name=name,
            )

    def arm_presale(self, item_id: int, opens_at: datetime) -> None:
        """Remind the item's reservers when it opens."""
        self._arm_once(f"presale-open {item_id}", opens_at, self._presale_job, item_id)

    async def rearm(self, *, follow_others: bool = False) -> None:
        """Arm every job the database says is due or coming, and the digests.

        `follow_others`: other processes store campaigns too (the scheduler role), so look again
        every `SYNC_INTERVAL_SECONDS`.
        """
        await self.sync()
        self.job_queue.run_repeating(
            self._digest_job, DIGEST_INTERVAL_SECONDS, first=1.0, name="campaign-digest"
        )
        if follow_others:
            self.job_queue.run_repeating(
                self._sync_job, SYNC_INTERVAL_SECONDS, first=SYNC_INTERVAL_SECONDS, name="sync"
            )

    async def _sync_job(self, _context: VitrineContext) -> None:
        await self.sync()

    async def sync(self) -> None:
        """Arm what the database says is due or coming and is not armed yet (missed runs: told)."""
        grace = timedelta(minutes=self.services.settings.delivery.campaign_grace_minutes)
        due = await runs.rearm(self.services, now_utc(), grace)
        for campaign in due.missed:
            await self._tell_missed(campaign)
        # Each once per time: a start that fired stays 'scheduled' until its fan-out commits.
        for campaign_id, when in due.starts:
            if self._armed.get(f"campaign-start {campaign_id}") != when:
                self.arm_start(campaign_id, when)
        for campaign_id in due.following:
            self.arm_progress(campaign_id)
        for item_id, opens_at in due.presales:
            if self._armed.get(f"presale-open {item_id}") != opens_at:
                self.arm_presale(item_id, opens_at)

    # --- jobs -----------------------------------------------------------------------------

    async def _fire_job(self, context: VitrineContext) -> None:
        campaign_id = _job_value(context)
        try:
            await self.fire(campaign_id)
        finally:
            # Fired, or not fireable then (paused): a later `sync` may arm this time again (a
            # resumed campaign), and a fired one is no longer 'scheduled' for it to find.
            self._armed.pop(f"campaign-start {campaign_id}", None)

    async def fire(self, campaign_id: int) -> int | None:
        """Start a run now: fan out, post the progress message, and follow it."""
        written = await runs.fire_run(self.services, campaign_id, now_utc(), fired_by=self.name)
        if written is None:
            return None
        campaign = await runs.campaign(self.services, campaign_id)
        if campaign is None:
            return written
        if campaign.kind == CampaignKind.PRESALE and campaign.ends_at and campaign.item_ids:
            self.arm_presale(campaign.item_ids[0], campaign.ends_at)
        self.cards.forget(campaign_id)
        self.dispatcher.wake()
        if campaign.status == CampaignStatus.RUNNING:
            await self._post_progress(campaign)
            self.arm_progress(campaign_id)
        return written

    async def _post_progress(self, campaign: Campaign) -> None:
        contact = await runs.expert_contact(self.services, campaign.expert_id)
        if contact.chat_id is None:
            return
        text = await self.progress_text(campaign, contact.language)
        try:
            message = await self.application.bot.send_message(
                contact.chat_id, text, rate_limit_args=NOTICE
            )
        except TelegramError:
            log.warning("could not post progress of campaign %d", campaign.id)
            return
        self._last_progress[campaign.id] = text
        await runs.remember_progress_message(
            self.services, campaign.id, contact.chat_id, message.message_id
        )

    async def run_counts(self, campaign: Campaign) -> dict[str, int]:
        """Rows of the campaign's current run by status (a recurring run counts its own only)."""
        return await runs.run_counts(self.services, campaign, self.dispatcher.now())

    async def why_nobody(self, campaign: Campaign) -> AudienceFunnel | None:
        """The audience of a run that reached nobody, rule by rule, as it was when it went out."""
        key = (campaign.id, campaign.started_at)
        if key not in self._nobody:
            at = campaign.started_at or now_utc()
            self._nobody[key] = await runs.why_nobody(self.services, campaign, at)
        return self._nobody[key]

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
        follow_link = ""
        if nobody is not None:
            handle = (await runs.expert_contact(self.services, campaign.expert_id)).handle
            follow_link = deep_link(self.application.bot.username, handle) if handle else ""
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
            follow_link=follow_link,
            slot_given_back=nobody is not None
            and campaign.kind in PUSH_ONLY_KINDS
            and campaign.audience_size == 0,
        )

    async def _progress_job(self, context: VitrineContext) -> None:
        campaign_id = _job_value(context)
        campaign = await runs.campaign(self.services, campaign_id)
        if campaign is None:
            if context.job is not None:
                context.job.schedule_removal()
            return
        counts = await runs.campaign_counts(self.services, campaign_id, self.dispatcher.now())
        contact = await runs.expert_contact(self.services, campaign.expert_id)
        idle = not counts.get("queued") and not counts.get("sending")
        if campaign.status == CampaignStatus.RUNNING and idle:
            campaign = await runs.finish_run(self.services, campaign.id, now_utc()) or campaign
            if campaign.status == CampaignStatus.SCHEDULED and campaign.starts_at:
                self.arm_start(campaign.id, campaign.starts_at)
        await self._edit_progress(campaign, contact.language)
        if campaign.status not in FOLLOWED:
            if context.job is not None:
                context.job.schedule_removal()
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
        campaign = await runs.campaign(self.services, campaign_id)
        if campaign is not None:
            contact = await runs.expert_contact(self.services, campaign.expert_id)
            await self._edit_progress(campaign, contact.language)

    async def _tell_missed(self, campaign: Campaign) -> None:
        contact = await runs.expert_contact(self.services, campaign.expert_id)
        if contact.chat_id is None:
            return
        text = self.services.texts.render(
            "campaign/missed",
            contact.language,
            campaign=campaign,
            local=local_formatter(contact.timezone),
        )
        # Stored Bot API JSON, sent by the dispatcher as it is: PTB's Defaults do not apply.
        await self.services.outbox.enqueue(
            "notice",
            contact.chat_id,
            {"method": "sendMessage", "params": {"text": text, "parse_mode": "HTML"}},
            f"missed:c{campaign.id}:{int((campaign.starts_at or now_utc()).timestamp())}",
        )

    async def _presale_job(self, context: VitrineContext) -> None:
        await self.remind_presale(_job_value(context))

    async def remind_presale(self, item_id: int) -> int:
        """The pre-sale opened: remind every reserver once, with their own Buy button.

        Returns how many reminders were queued. The Buy link is signed for the reserver and
        credited to the pre-sale campaign that announced the item.
        """
        opened = await runs.take_presale_reminders(self.services, item_id, now_utc())
        if opened is None:
            return 0
        item = opened.item
        queued = 0
        for reserver in opened.reservers:
            language = reserver.language
            text = self.services.texts.render(
                "campaign/presale_open", language, item=item, buyable=opened.buyable
            )
            params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}  # stored Bot API JSON
            if opened.buyable:
                url = buy_url(
                    self.services.settings,
                    item_id=item.id,
                    fan_id=reserver.user_id,
                    source="campaign",
                    campaign_id=opened.campaign_id,
                )
                label = self.services.texts.label(language, "campaign.buy")
                params["reply_markup"] = {"inline_keyboard": [[{"text": label, "url": url}]]}
            queued += await self.services.outbox.enqueue(
                "reminder",
                reserver.telegram_id,
                {"method": "sendMessage", "params": params},
                f"presale:{item_id}:u{reserver.user_id}",
                user_id=reserver.user_id,
            )
        return queued

    async def _digest_job(self, context: VitrineContext) -> None:
        await self.run_digest(self.dispatcher.now())

    async def run_digest(self, now: datetime) -> int:
        """Send each digest-mode fan whose digest hour came one message with its pushes."""
        sent = await runs.fold_digests(self.services, now)
        if sent:
            self.dispatcher.wake()
        return sent


async def start_campaigns(
    application: VitrineApp,
    services: Services,
    delivery: DeliveryView,
    *,
    name: str,
    follow_others: bool = False,
) -> CampaignRuntime:
    """Keep the campaign runtime in bot_data and, with a job queue (this process leads the
    timed work), adopt the runs a dead firer left unfinished and re-arm every campaign job."""
    runtime = CampaignRuntime(application, services, delivery, name=name)
    application.bot_data[CAMPAIGNS_KEY] = runtime
    if application.job_queue is not None:
        adopted = await runs.adopt_unfinished_runs(services, name)
        if adopted:
            log.warning("resuming %d campaign runs left unfinished by an earlier process", adopted)
        await runtime.rearm(follow_others=follow_others)
    return runtime


def campaigns_of(bot_data: dict[Any, Any]) -> CampaignRuntime:
    """The campaign runtime stored at start."""
    runtime = bot_data[CAMPAIGNS_KEY]
    if not isinstance(runtime, CampaignRuntime):
        raise RuntimeError("the campaign runtime is not started")
    return runtime
