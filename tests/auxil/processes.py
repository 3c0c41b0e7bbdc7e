"""`python -m bot.cli run` as production starts it: a real process against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import BOT_TOKEN


def start_cli_bot(
    sandbox: Any, folder: Path, port: int, log: Path, **settings: str
) -> subprocess.Popen[bytes]:
    """The bot on SQLite in `folder`, its HTTP side on `port`, its output in `log`.

    `settings`: more VITRINE_* variables (they win over the ones given here). The test run's own
    VITRINE_EVENT_LOOP is not passed on: the bot gets its default unless `settings` names one.
    """
    inherited = {k: v for k, v in os.environ.items() if k != "VITRINE_EVENT_LOOP"}
    env = {
        **inherited,
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "VITRINE_TELEGRAM_API_URL": sandbox.bot_api_url,
        "VITRINE_TELEGRAM_FILE_URL": sandbox.file_api_url,
        "VITRINE_DATABASE_URL": f"sqlite:///{folder / 'vitrine.sqlite3'}",
        "VITRINE_DATA_DIR": str(folder / "data"),
        "VITRINE_HTTP_PORT": str(port),
        **settings,
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
