"""Settings: defaults, every setting parsed, and one clear line for every bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, with_role
from bot.event_loop import uvloop_available

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"VITRINE_DATA_DIR": str(tmp_path / "data"), **values}


def test_defaults_mean_sandbox_mode_with_a_generated_persistent_secret(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path))
    assert settings.sandbox_mode and not settings.webhook_mode
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_url == "https://api.telegram.org/file/bot"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert settings.database_url == "sqlite+aiosqlite:///vitrine.sqlite3"
    assert len(settings.secret_key) >= 32
    secret_file = tmp_path / "data" / "secret_key"
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    # The key survives a restart, so signed links stay valid.
    assert load_settings(env(tmp_path)).secret_key == settings.secret_key


def test_every_setting_is_read(tmp_path: Path) -> None:
    settings = load_settings(
        env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            VITRINE_TELEGRAM_API_URL="http://127.0.0.1:9000/bot",
            VITRINE_DATABASE_URL="sqlite:///x.db",
            VITRINE_PUBLIC_URL="https://shop.example/",
            VITRINE_HTTP_HOST="0.0.0.0",
            VITRINE_HTTP_PORT="9090",
            VITRINE_SECRET_KEY="k" * 40,
            VITRINE_ADMIN_IDS="1, 22,333",
            VITRINE_WEBHOOK_URL="https://bot.example/",
            VITRINE_LOG_LEVEL="debug",
        )
    )
    assert settings.telegram_bot_token == TOKEN and not settings.sandbox_mode
    assert settings.telegram_file_url == "http://127.0.0.1:9000/file/bot"
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert settings.public_url == "https://shop.example"
    assert settings.http_port == 9090
    assert settings.admin_ids == frozenset({1, 22, 333})
    assert settings.webhook_mode and settings.log_level == "DEBUG"
    assert TOKEN not in repr(settings) and settings.secret_key not in repr(settings)


def test_toml_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "vitrine.toml"
    config.write_text('[vitrine]\nVITRINE_HTTP_PORT = 7000\nVITRINE_ADMIN_IDS = "5"\n')
    settings = load_settings(env(tmp_path, VITRINE_CONFIG=str(config), VITRINE_ADMIN_IDS="6"))
    assert settings.http_port == 7000
    assert settings.admin_ids == frozenset({6})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_BOT_TOKEN", "123:short"),
        ("VITRINE_TELEGRAM_API_URL", "ftp://x/bot"),
        ("VITRINE_DATABASE_URL", "mysql://x"),
        ("VITRINE_PUBLIC_URL", "not a url"),
        ("VITRINE_HTTP_PORT", "http"),
        ("VITRINE_HTTP_PORT", "70000"),
        ("VITRINE_SANDBOX_PORT", "0"),
        ("VITRINE_SECRET_KEY", "short"),
        ("VITRINE_ADMIN_IDS", "1,abc"),
        ("VITRINE_LOG_LEVEL", "LOUD"),
        ("VITRINE_TIMEZONE", "Mars/Olympus"),
        ("VITRINE_SANDBOX_LIMITS", "fast"),
    ],
)
def test_invalid_values_name_the_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, **{name: value}))
    assert caught.value.setting == name
    assert str(caught.value).startswith(f"{name}: ")
    assert "\n" not in str(caught.value)


def test_a_bad_token_is_never_echoed(tmp_path: Path) -> None:
    secret_looking = "123456:this is a secret with spaces"
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, TELEGRAM_BOT_TOKEN=secret_looking))
    assert secret_looking not in str(caught.value)


def test_webhook_needs_https_with_a_real_token(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VITRINE_WEBHOOK_URL"):
        load_settings(
            env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, VITRINE_WEBHOOK_URL="http://x.example")
        )


def test_cli_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        env={**os.environ, **env(tmp_path, VITRINE_HTTP_PORT="nope")},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "vitrine: configuration error: VITRINE_HTTP_PORT: expected a port number 1-65535, got 'nope'"
    ]


KEY = "k" * 32


@pytest.mark.parametrize(
    "spelled",
    [
        "postgresql://vitrine@db/shop",
        "postgres://vitrine@db/shop",
        "postgresql+asyncpg://vitrine@db/shop",
    ],
)
def test_every_usual_postgresql_spelling_runs_through_asyncpg(tmp_path: Path, spelled: str) -> None:
    settings = load_settings(env(tmp_path, VITRINE_DATABASE_URL=spelled, VITRINE_SECRET_KEY=KEY))
    assert settings.database_url == "postgresql+asyncpg://vitrine@db/shop"


def test_postgresql_needs_one_secret_key_for_every_process(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://vitrine@db/shop"
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, VITRINE_DATABASE_URL=url))
    assert caught.value.setting == "VITRINE_SECRET_KEY"
    assert not (tmp_path / "data" / "secret_key").exists()  # none was generated meanwhile


def test_a_refused_database_url_never_echoes_its_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, VITRINE_DATABASE_URL="mysql://shop:hunter2@db/shop"))
    assert "hunter2" not in str(caught.value)


def test_postgresql_without_its_drivers_names_the_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The drivers are installed here; uninstalling them mid-run would break the other tests, so
    # the lookup is made to miss them, as it does on a machine without the postgres extra.
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "asyncpg" else real_find_spec(name, *a),
    )
    with pytest.raises(ConfigError, match=r"vitrine\[postgres\]") as caught:
        load_settings(
            env(tmp_path, VITRINE_DATABASE_URL="postgresql://u:pw@db/x", VITRINE_SECRET_KEY=KEY)
        )
    assert caught.value.setting == "VITRINE_DATABASE_URL" and "pw" not in str(caught.value)


PG = "postgresql+asyncpg://vitrine@db/shop"
HOOK = "https://bot.example/tg"


REDIS = "redis://127.0.0.1:6379/0"
SCALE = {"VITRINE_DATABASE_URL": PG, "TELEGRAM_BOT_TOKEN": TOKEN}


@pytest.mark.parametrize(
    ("role", "overrides", "setting", "reason"),
    [
        ("worker", {}, "--role", "with SQLite run one process, --role all"),
        ("web", {"VITRINE_DATABASE_URL": PG}, "--role", "need TELEGRAM_BOT_TOKEN"),
        ("worker", SCALE, "VITRINE_REDIS_URL", "share Telegram's limits through Redis"),
        (
            "web",
            {**SCALE, "VITRINE_REDIS_URL": REDIS},
            "VITRINE_WEBHOOK_URL",
            "only one could poll",
        ),
        (
            "scheduler",
            {**SCALE, "VITRINE_REDIS_URL": REDIS},
            "VITRINE_WEBHOOK_URL",
            "only one could poll",
        ),
        ("cook", {}, "--role", "expected one of all, web, worker, scheduler"),
    ],
)
def test_a_role_that_cannot_work_is_refused_with_its_reason(
    tmp_path: Path, role: str, overrides: dict[str, str], setting: str, reason: str
) -> None:
    settings = load_settings(env(tmp_path, VITRINE_SECRET_KEY=KEY, **overrides))
    with pytest.raises(ConfigError) as caught:
        with_role(settings, role)
    assert caught.value.setting == setting
    assert reason in str(caught.value)


def test_the_roles_of_a_scale_out_are_accepted(tmp_path: Path) -> None:
    shared = {**SCALE, "VITRINE_SECRET_KEY": KEY, "VITRINE_REDIS_URL": REDIS}
    with_hook = load_settings(env(tmp_path, VITRINE_WEBHOOK_URL=HOOK, **shared))
    assert [with_role(with_hook, r).role for r in ("web", "worker", "scheduler", "all")] == [
        "web",
        "worker",
        "scheduler",
        "all",
    ]
    # A worker takes no updates: it needs no webhook.
    assert with_role(load_settings(env(tmp_path, **shared)), "worker").role == "worker"
    # SQLite and the sandbox demo: one process, the default role.
    assert with_role(load_settings(env(tmp_path)), "all").role == "all"


def test_the_cli_refuses_a_role_on_sqlite_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--role", "worker"],
        env={**os.environ, **env(tmp_path)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("vitrine: configuration error: --role: worker shares one PostgreSQL")


def test_a_bad_redis_url_is_refused_without_repeating_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, VITRINE_REDIS_URL="http://:hunter2@cache:6379"))
    assert caught.value.setting == "VITRINE_REDIS_URL"
    assert "hunter2" not in str(caught.value)


def test_a_self_hosted_bot_api_server_may_deliver_webhooks_over_http(tmp_path: Path) -> None:
    local = {"TELEGRAM_BOT_TOKEN": TOKEN, "VITRINE_WEBHOOK_URL": "http://10.0.0.5:8080"}
    settings = load_settings(
        env(tmp_path, VITRINE_TELEGRAM_API_URL="http://10.0.0.9:8081/bot", **local)
    )
    assert settings.webhook_url == "http://10.0.0.5:8080"
    with pytest.raises(ConfigError, match="https"):  # Telegram's cloud: https only
        load_settings(env(tmp_path, **local))


@pytest.mark.skipif(not uvloop_available(), reason="uvloop is not installed on this machine")
def test_the_event_loop_is_uvloop_by_default_and_asyncio_on_request(tmp_path: Path) -> None:
    assert load_settings(env(tmp_path)).event_loop == "uvloop"
    chosen = load_settings(env(tmp_path, VITRINE_EVENT_LOOP="AsyncIO"))
    assert chosen.event_loop == "asyncio"
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, VITRINE_EVENT_LOOP="trio"))
    assert str(caught.value) == "VITRINE_EVENT_LOOP: expected one of uvloop, asyncio"


def test_without_uvloop_the_default_is_asyncio_and_asking_for_uvloop_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvloop is installed wherever these tests run; a machine without it (Windows) is simulated.
    import bot.config
    import bot.event_loop

    monkeypatch.setattr(bot.event_loop, "uvloop_available", lambda: False)
    monkeypatch.setattr(bot.config, "uvloop_available", lambda: False)
    assert load_settings(env(tmp_path)).event_loop == "asyncio"
    with pytest.raises(ConfigError) as caught:
        load_settings(env(tmp_path, VITRINE_EVENT_LOOP="uvloop"))
    assert str(caught.value) == "VITRINE_EVENT_LOOP: uvloop is not installed on this machine"
