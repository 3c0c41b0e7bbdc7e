"""A start that fails half-way stops what it had started: the operator can simply start again.

Telegram failing the bot's last start step (deleteWebhook before polling) comes after the HTTP
server, the application and the delivery engine are up. Before, the error left the HTTP server
holding its port and the application running, so the next start in the same process failed on
"address already in use" and the application could not shut down.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import telegram

from tests.faults.conftest import bot_against, fast_settings


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


async def test_a_failed_last_start_step_frees_the_port_and_a_second_start_works(
    tmp_path: Path, sandbox: Any
) -> None:
    settings = fast_settings(tmp_path)
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        fault = {"method": "deleteWebhook", "error": 500, "count": 1}
        (await http.post("/sim/faults", json=fault)).raise_for_status()
    with pytest.raises(telegram.error.TelegramError):
        async with bot_against(sandbox, settings):
            pytest.fail("the start should have failed")
    assert _port_is_free(settings.http_host, settings.http_port)
    async with bot_against(sandbox, settings) as runtime:
        assert runtime.application.updater is not None and runtime.application.updater.running
        async with httpx.AsyncClient(
            base_url=f"http://{settings.http_host}:{settings.http_port}"
        ) as web:
            assert (await web.get("/healthz")).status_code == 200
    assert _port_is_free(settings.http_host, settings.http_port)
