"""Settings read once from the environment (and an optional TOML file).

Every setting has one name, one parser and one clear error. An invalid value stops start-up with a
single line naming the setting (`ConfigError`), never a traceback.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SANDBOX_LIMITS = ("telegram", "off", "paid")


class ConfigError(ValueError):
    """A setting has an invalid value; `str()` is one line naming the setting."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


@dataclass(frozen=True)
class Settings:
    """Everything Vitrine is configured with."""

    telegram_bot_token: str | None = field(repr=False)
    telegram_api_url: str
    telegram_file_url: str
    database_url: str
    data_dir: Path
    public_url: str
    http_host: str
    http_port: int
    secret_key: str = field(repr=False)
    admin_ids: frozenset[int]
    webhook_url: str | None
    webhook_secret: str = field(repr=False)
    log_level: str
    sandbox_port: int
    sandbox_limits: str
    default_timezone: str = "Asia/Shanghai"

    @property
    def sandbox_mode(self) -> bool:
        """True when no token is configured: run against the local sandbox."""
        return self.telegram_bot_token is None

    @property
    def webhook_mode(self) -> bool:
        """True when Telegram should push updates to us instead of being polled."""
        return self.webhook_url is not None


def _parse_http_url(setting: str, raw: str, *, allow_path: bool = True) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(setting, f"expected an http(s) URL, got {raw!r}")
    if not allow_path and parts.path not in ("", "/"):
        raise ConfigError(setting, f"expected a URL without a path, got {raw!r}")
    return raw.rstrip("/") if not allow_path else raw


def _parse_port(setting: str, raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(setting, f"expected a port number 1-65535, got {raw!r}")
    return int(raw)


def _parse_admin_ids(setting: str, raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit():
            raise ConfigError(setting, f"expected comma-separated Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _parse_token(setting: str, raw: str) -> str:
    if not TOKEN_PATTERN.match(raw):
        # Never echo the value: it may be a real (mistyped) secret.
        raise ConfigError(setting, "not a bot token of the form <digits>:<letters, digits, - and _>")
    return raw


def _parse_database_url(setting: str, raw: str) -> str:
    if not raw.startswith(("sqlite", "postgresql")):
        raise ConfigError(setting, "expected a sqlite:// or postgresql:// URL")
    if raw.startswith("sqlite://") and not raw.startswith("sqlite+aiosqlite://"):
        raw = "sqlite+aiosqlite://" + raw[len("sqlite://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+asyncpg://" + raw[len("postgresql://") :]
    return raw


def _load_or_create_secret(data_dir: Path) -> str:
    """Keep one random secret key in the data directory so tokens survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def _file_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Read `VITRINE_CONFIG` (a TOML file of the same names, lower- or upper-case) if set."""
    path = env.get("VITRINE_CONFIG")
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("VITRINE_CONFIG", f"file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("VITRINE_CONFIG", f"not valid TOML: {exc}") from None
    section = data.get("vitrine", data)
    return {str(k).upper(): str(v) for k, v in section.items() if not isinstance(v, (dict, list))}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment; environment variables win over the TOML file."""
    env = dict(os.environ if env is None else env)
    merged = {**_file_settings(env), **{k: v for k, v in env.items() if v != ""}}

    def get(name: str, default: str | None = None, parse: Callable[[str, str], object] | None = None):  # type: ignore[no-untyped-def]
        raw = merged.get(name)
        if raw is None:
            return default if parse is None or default is None else parse(name, default)
        raw = raw.strip()
        return parse(name, raw) if parse else raw

    data_dir = Path(get("VITRINE_DATA_DIR", ".vitrine"))
    token = get("TELEGRAM_BOT_TOKEN", None, _parse_token)
    api_url = get("VITRINE_TELEGRAM_API_URL", DEFAULT_TELEGRAM_API_URL, _parse_http_url)
    file_url = get("VITRINE_TELEGRAM_FILE_URL", None, _parse_http_url)
    if file_url is None:
        # Telegram serves files at /file/bot<token>/...; emulators follow the same shape.
        file_url = re.sub(r"/bot$", "/file/bot", api_url) if api_url.endswith("/bot") else api_url
    log_level = get("VITRINE_LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError("VITRINE_LOG_LEVEL", f"expected one of {', '.join(LOG_LEVELS)}")
    limits = get("VITRINE_SANDBOX_LIMITS", "telegram").lower()
    if limits not in SANDBOX_LIMITS:
        raise ConfigError("VITRINE_SANDBOX_LIMITS", f"expected one of {', '.join(SANDBOX_LIMITS)}")
    http_host = get("VITRINE_HTTP_HOST", "127.0.0.1")
    http_port = get("VITRINE_HTTP_PORT", "8080", _parse_port)
    secret_key = get("VITRINE_SECRET_KEY")
    if secret_key is not None and len(secret_key) < 32:
        raise ConfigError("VITRINE_SECRET_KEY", "must be at least 32 characters")
    webhook_url = get("VITRINE_WEBHOOK_URL", None, _parse_http_url)
    if webhook_url is not None and not webhook_url.startswith("https://") and token is not None:
        raise ConfigError("VITRINE_WEBHOOK_URL", "Telegram only delivers webhooks to https URLs")
    timezone = get("VITRINE_TIMEZONE", "Asia/Shanghai")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except Exception:
        raise ConfigError("VITRINE_TIMEZONE", f"unknown IANA time zone {timezone!r}") from None
    resolved_secret = secret_key or _load_or_create_secret(data_dir)
    return Settings(
        telegram_bot_token=token,
        telegram_api_url=api_url,
        telegram_file_url=file_url,
        database_url=get(
            "VITRINE_DATABASE_URL", "sqlite+aiosqlite:///vitrine.sqlite3", _parse_database_url
        ),
        data_dir=data_dir,
        public_url=get(
            "VITRINE_PUBLIC_URL", f"http://{http_host}:{http_port}", _parse_http_url
        ).rstrip("/"),
        http_host=http_host,
        http_port=http_port,
        secret_key=resolved_secret,
        admin_ids=get("VITRINE_ADMIN_IDS", "", _parse_admin_ids),
        webhook_url=webhook_url,
        webhook_secret=_derive_webhook_secret(resolved_secret),
        log_level=log_level,
        sandbox_port=get("VITRINE_SANDBOX_PORT", "8081", _parse_port),
        sandbox_limits=limits,
        default_timezone=timezone,
    )


def _derive_webhook_secret(secret_key: str) -> str:
    """Telegram's secret_token allows [A-Za-z0-9_-]{1,256}; derive it so it is stable across restarts."""
    import hashlib
    import hmac

    return hmac.new(secret_key.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()
