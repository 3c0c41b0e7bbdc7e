"""`memory`: peak RSS of the bot serving the `updates` load on the 1,000,000-follow database.

Baseline, same run: the PTB echo bot's process under the same presses. The figure is
reported (goal ≤ 200 MB); the ratio bot / echo is printed beside it.
"""

from __future__ import annotations

from pathlib import Path

from bench.bench_updates import measure, seed_browsing
from bench.harness import Verdict

NAME = "memory"
GOAL_MB = 200


def run(folder: Path, quick: bool) -> Verdict:
    """Serve the presses with each bot and read its peak resident set."""
    seconds = 3 if quick else 20
    database, browsing = seed_browsing(folder, quick)
    bot = measure(folder, database, browsing, "vitrine", seconds)
    echo = measure(folder, database, browsing, "echo", seconds)
    return Verdict(
        NAME,
        bot.peak_rss_mb / echo.peak_rss_mb,
        1.0,
        higher_is_better=False,
        reported_only=True,
        baseline=f"PTB echo bot under the same presses: peak RSS {echo.peak_rss_mb:.0f} MB",
        size=f"updates load, {seconds} s",
        figures=[
            (
                f"bot peak RSS (goal <= {GOAL_MB} MB)",
                f"{bot.peak_rss_mb:.0f} MB "
                f"({'within' if bot.peak_rss_mb <= GOAL_MB else 'over'} the goal)",
            ),
            ("presses handled meanwhile", f"{bot.rate:,.0f}/s"),
        ],
    )
