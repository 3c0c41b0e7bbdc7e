"""A taken HTTP port stops the start with a clear error, not uvicorn's bare SystemExit.

uvicorn answers a port in use with `sys.exit(3)`; escaping `running()` that way skipped every
`except Exception` of the caller, and in the test suite broke the event-loop runner of every test
after it (one port collision once turned into 137 errors).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotEndpoint, running
from tests.conftest import BOT_TOKEN, free_port, make_settings


async def test_a_taken_port_is_an_os_error_that_names_the_address(
    tmp_path: Path, sandbox: Any
) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        settings = make_settings(tmp_path, VITRINE_HTTP_PORT=str(port))
        endpoint = BotEndpoint(BOT_TOKEN, sandbox.bot_api_url, sandbox.file_api_url)
        with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
            async with running(settings, endpoint):
                pass  # pragma: no cover - the start must fail
