"""The bot process killed with SIGKILL mid-campaign and started again: nothing lost, few repeats.

The bound: at most 2 × VITRINE_SEND_CONCURRENCY messages can have reached Telegram without their
'sent' status on disk — the sends in flight plus the outcomes handed to the status writer and not
yet committed (bot/delivery/dispatcher.py, `Dispatcher.duplicate_bound`) — so at most that many
fans see the push twice.
A campaign scheduled for the future survives the restart and fires once.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

from storage.database import create_engine, migrate
from storage.repositories import Repositories
from tests.auxil.processes import start_cli_bot
from tests.conftest import free_port
from tests.faults.conftest import (
    bot_messages_per_chat,
    create_push,
    make_sim_users,
    seed_campaign_audience,
    wait_for,
)

CONCURRENCY = 8
DUPLICATE_BOUND = 2 * CONCURRENCY  # in flight + uncommitted, each at most the concurrency
FANS = range(300_000, 302_000)


def start_bot(sandbox: Any, tmp_path: Path, log_name: str) -> subprocess.Popen[bytes]:
    """`python -m bot.cli run` against the sandbox, as production would run it."""
    return start_cli_bot(
        sandbox,
        tmp_path,
        free_port(),
        tmp_path / log_name,
        VITRINE_PAID_BROADCAST="true",
        VITRINE_SEND_RATE="400",
        VITRINE_SEND_CONCURRENCY=str(CONCURRENCY),
    )


async def test_sigkill_mid_campaign_then_restart_delivers_everything_once_within_the_bound(
    tmp_path: Path,
) -> None:
    from sandbox.server import SandboxServer

    url = f"sqlite+aiosqlite:///{tmp_path / 'vitrine.sqlite3'}"
    await migrate(url)
    repos = Repositories.build(create_engine(url), default_timezone="Asia/Shanghai")
    with SandboxServer(limits="paid", paid_per_second=1000) as sandbox:
        await make_sim_users(sandbox.url, FANS)
        expert_id, item_id = await seed_campaign_audience(repos, tmp_path / "photos", FANS)
        big = await create_push(repos, expert_id, item_id, starts_in=0)
        window, _ = await repos.items.window(expert_id, offset=0, limit=2)
        segment = list(FANS)[:100]
        for telegram_id in segment:  # the future campaign goes to a small interest segment
            user = await repos.users.by_telegram_id(telegram_id)
            await repos.interests.toggle(user.id, "makeup")  # type: ignore[union-attr]
        # Due well after the kill even on a loaded machine (the first bot needs a few seconds to
        # start and send 600): it must fire once, from the restarted bot.
        later = await create_push(repos, expert_id, window[1].id, starts_in=45, tags=["makeup"])

        first = start_bot(sandbox, tmp_path, "first.log")
        try:

            async def some_sent() -> bool:
                return sum(bot_messages_per_chat(sandbox).values()) >= 600

            await wait_for(some_sent, timeout=60, interval=0.2)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        at_kill = sum(bot_messages_per_chat(sandbox).values())
        assert at_kill < 2000, "the campaign finished before the kill; the test proves nothing"
        assert await repos.outbox.campaign_counts(later) == {}, "the later campaign began too soon"

        second = start_bot(sandbox, tmp_path, "second.log")
        try:

            async def all_done() -> bool:
                counts = await repos.outbox.campaign_counts(big)
                later_counts = await repos.outbox.campaign_counts(later)
                return counts.get("sent", 0) == len(FANS) and later_counts.get("sent", 0) == len(
                    segment
                )

            await wait_for(all_done, timeout=120)

            async def both_marked_done() -> bool:  # the progress job marks them, on its period
                for campaign_id in (big, later):
                    campaign = await repos.campaigns.get(campaign_id)
                    if campaign is None or campaign.status != "done":
                        return False
                return True

            await wait_for(both_marked_done, timeout=60, interval=0.5)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)

    titles = {item_id: (await repos.items.get(item_id)).title, window[1].id: window[1].title}  # type: ignore[union-attr]
    per_chat: dict[int, dict[str, int]] = {}
    for bot in sandbox.sandbox.bots.values():
        for chat_id, chat in bot.chats.items():
            for message in chat.messages.values():
                for name in titles.values():
                    if message.sender == "bot" and name in (message.caption or message.text or ""):
                        per_chat.setdefault(chat_id, {}).setdefault(name, 0)
                        per_chat[chat_id][name] += 1
    big_title, later_title = titles[item_id], titles[window[1].id]
    assert [f for f in FANS if per_chat.get(f, {}).get(big_title, 0) < 1] == []  # nobody missed it
    duplicates = sum(per_chat[f][big_title] - 1 for f in FANS)
    assert duplicates <= DUPLICATE_BOUND
    # The future campaign fired exactly once, after the restart.
    assert all(per_chat[f].get(later_title) == 1 for f in segment)
    assert not any(per_chat[f].get(later_title) for f in FANS if f not in segment)
    for campaign_id, audience in ((big, len(FANS)), (later, len(segment))):
        campaign = await repos.campaigns.get(campaign_id)
        assert campaign is not None and campaign.status == "done"
        assert campaign.audience_size == audience
        assert await repos.outbox.campaign_counts(campaign_id) == {"sent": audience}
    await repos.engine.dispose()
