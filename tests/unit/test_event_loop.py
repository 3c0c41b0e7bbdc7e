"""The loop and the HTTP parser the bot's processes run on (bot/event_loop.py, bot/app.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette

from bot import event_loop
from bot.app import http_server_config
from bot.config import load_settings

pytestmark = pytest.mark.skipif(
    not event_loop.uvloop_available(), reason="uvloop is not installed on this machine"
)


async def _loop_name() -> str:
    return event_loop.running_loop_name()


def test_run_takes_the_named_loop_then_vitrine_event_loop_then_uvloop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VITRINE_EVENT_LOOP", raising=False)
    assert event_loop.run(_loop_name()) == "uvloop"
    assert event_loop.run(_loop_name(), event_loop="asyncio") == "asyncio"
    # A benchmark's baseline started beside the bot follows the bot's setting.
    monkeypatch.setenv("VITRINE_EVENT_LOOP", " AsyncIO ")
    assert event_loop.run(_loop_name()) == "asyncio"
    assert event_loop.run(_loop_name(), event_loop="uvloop") == "uvloop"
    with pytest.raises(ValueError, match="unknown event loop 'trio'"):
        event_loop.run(_loop_name(), event_loop="trio")


def test_the_bots_http_side_parses_with_httptools(tmp_path: Path) -> None:
    settings = load_settings({"VITRINE_DATA_DIR": str(tmp_path / "data")})
    config = http_server_config(Starlette(), host=settings.http_host, port=settings.http_port)
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    assert (config.host, config.port) == ("127.0.0.1", 8080)
