"""Settings read once from the environment (and an optional TOML file).

Every setting has one name, one parser and one clear error. An invalid value stops start-up with a
single line naming the setting (`ConfigError`), never a traceback.
"""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.event_loop import EVENT_LOOPS, default_event_loop, uvloop_available

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
class DeliverySettings:
    """How fast and how often Vitrine may send (the delivery engine and the flood rules)."""

    send_rate: float = 30.0  # messages per second for the whole bot (Telegram's limit)
    paid_broadcast: bool = False  # send with allow_paid_broadcast (Telegram allows up to 1000/s)
    send_concurrency: int = 8  # sends in flight at once; a crash repeats at most twice this
    max_attempts: int = 5  # transient failures before a message is marked failed
    campaigns_per_day: int = 2  # per expert, per the expert's local day
    pushes_per_fan_per_day: int = 3  # across all experts, per the fan's local day
    campaign_grace_minutes: int = 30  # a campaign missed by less than this starts on restart
    # How long a worker's claim on a 'sending' row lasts unless renewed (every third of it):
    # a killed worker's rows go back to the queue this long after its last renewal.
    outbox_lease_seconds: int = 60


@dataclass(frozen=True)
class PullPartner:
    """One partner platform whose order API Vitrine polls (bot/orders/pull.py)."""

    key: str  # the partner's key in the whitelist, e.g. "taobao"
    api_url: str  # the order API's base URL; orders are at <api_url>/orders
    app_key: str
    app_secret: str = field(repr=False)


@dataclass(frozen=True)
class PullSettings:
    """How partners' order APIs are polled; no partners: push callbacks only."""

    partners: tuple[PullPartner, ...] = ()
    window_minutes: int = 180  # Taobao Alliance's limit; a partner's 400 shrinks it at run time
    overlap_minutes: int = 10  # each window re-reads the previous one's last minutes
    settle_lag_seconds: int = 120  # never ask about the last minutes, the partner is still writing
    page_size: int = 100
    interval_seconds: int = 300
    initial_lookback_hours: int = 24  # where the first ever walk starts
    recheck_days: int = 15  # re-read orders this far back for late refunds (default: refund window)
    recheck_interval_minutes: int = 60
    requests_per_second: float = 5.0  # the partner's own rate limit, kept on our side too


TELEGRAM_WEB_APP_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
TELEGRAM_WEB_ORIGINS = ("https://web.telegram.org",)
# Telegram's key for Mini App third-party validation (core.telegram.org/bots/webapps).
TELEGRAM_WEB_APP_PUBLIC_KEY = "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"


@dataclass(frozen=True)
class MiniAppSettings:
    """The Mini App storefront (issue 16)."""

    # The script that is Telegram.WebApp: Telegram's own in production, the sandbox's in the demo.
    script_url: str = TELEGRAM_WEB_APP_SCRIPT
    # The Ed25519 key initData `signature` fields are checked with.
    public_key: str = TELEGRAM_WEB_APP_PUBLIC_KEY
    max_age_seconds: int = 86400  # how old an initData's auth_date may be
    # The app's short name registered with @BotFather /newapp: t.me/<bot>/<short_name> links.
    short_name: str | None = None
    # Pages allowed to frame the app (Telegram Web's origins; the sandbox's chat page in the demo).
    frame_origins: tuple[str, ...] = TELEGRAM_WEB_ORIGINS
    # Telegram's test environment (and the sandbox) accept http:// Web App URLs; production
    # Telegram refuses them, so the buttons only appear there when the public URL is https.
    allow_http: bool = False


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
    # The money path (issue 6): windows in days, thresholds, the daily merchant summary hour.
    attribution_window_days: int = 7
    refund_window_days: int = 15
    buy_token_max_age_days: int = 30
    low_stock_threshold: int = 3
    merchant_summary_hour: int = 21
    demo_checkout_url: str | None = None  # honoured only in sandbox mode, see demo_checkout
    # Sandbox mode only: the demo's Taobao shop reports orders through the sandbox's partner
    # order API, polled by the bot, instead of signed callbacks (issue 17).
    demo_pull: bool = False
    # The per-person throttle (issue 18): updates a person may send per window; 0 turns it off.
    throttle_updates: int = 20
    throttle_window_seconds: int = 10
    # The delivery engine and the flood rules (issue 7).
    delivery: DeliverySettings = field(default_factory=lambda: DeliverySettings())
    # Polling partners' order APIs (issue 17).
    pull: PullSettings = field(default_factory=lambda: PullSettings())
    miniapp: MiniAppSettings = field(default_factory=lambda: MiniAppSettings())
    # What this process does (`vitrine run --role`): everything, or one part of a scale-out.
    role: str = "all"
    # Several processes share Telegram's limits through Redis (bot/delivery/redis_gate.py);
    # None: this process's own gate, in memory. May carry a password: never printed.
    redis_url: str | None = field(default=None, repr=False)
    # `uvloop` (the default where it is installed) or `asyncio` (bot/event_loop.py).
    event_loop: str = field(default_factory=default_event_loop)

    @property
    def sandbox_mode(self) -> bool:
        """True when no token is configured: run against the local sandbox."""
        return self.telegram_bot_token is None

    @property
    def demo_checkout(self) -> str | None:
        """The simulated checkout Continue may lead to: only in sandbox mode, never in production."""
        return self.demo_checkout_url if self.sandbox_mode else None

    @property
    def webhook_mode(self) -> bool:
        """True when Telegram should push updates to us instead of being polled."""
        return self.webhook_url is not None


ROLES = ("all", "web", "worker", "scheduler")


def with_role(settings: Settings, role: str) -> Settings:
    """The settings of a process running `role`, refused with a one-line reason where that role
    cannot work: several processes share one PostgreSQL database and take updates by webhook."""
    if role not in ROLES:
        raise ConfigError("--role", f"expected one of {', '.join(ROLES)}, got {role!r}")
    if role != "all":
        if settings.database_url.startswith("sqlite"):
            raise ConfigError(
                "--role",
                f"{role} shares one PostgreSQL database with the other roles"
                " (set VITRINE_DATABASE_URL); with SQLite run one process, --role all",
            )
        if settings.sandbox_mode:
            raise ConfigError(
                "--role",
                "the local sandbox demo runs as one process (--role all);"
                " the roles need TELEGRAM_BOT_TOKEN",
            )
        if settings.redis_url is None:
            raise ConfigError(
                "VITRINE_REDIS_URL",
                f"--role {role} needs it: the processes of one bot share Telegram's limits"
                " through Redis (redis://host:6379/0)",
            )
        if role in ("web", "scheduler") and not settings.webhook_mode:
            raise ConfigError(
                "VITRINE_WEBHOOK_URL",
                f"--role {role} needs it: several processes take updates by webhook"
                " (only one could poll)",
            )
    return replace(settings, role=role)


def _parse_redis_url(setting: str, raw: str) -> str:
    # The URL may carry a password: a refusal never repeats it.
    if urlsplit(raw).scheme not in ("redis", "rediss", "unix") or "://" not in raw:
        raise ConfigError(setting, "expected redis://host:6379/0 (or rediss:// or unix://)")
    return raw


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
        raise ConfigError(
            setting, "not a bot token of the form <digits>:<letters, digits, - and _>"
        )
    return raw


# The PostgreSQL spellings operators use, all run through asyncpg (Alembic uses psycopg).
_POSTGRES_PREFIXES = ("postgresql+asyncpg://", "postgresql://", "postgres://")
POSTGRES_EXTRA_HINT = "PostgreSQL needs the postgres extra: pip install 'vitrine[postgres]'"


def parse_database_url(setting: str, raw: str) -> str:
    # Never echo the value: a PostgreSQL URL may carry a password.
    if raw.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + raw[len("sqlite://") :]
    if raw.startswith("sqlite+aiosqlite://"):
        return raw
    for prefix in _POSTGRES_PREFIXES:
        if raw.startswith(prefix):
            if not all(importlib.util.find_spec(m) for m in ("asyncpg", "psycopg")):
                raise ConfigError(setting, POSTGRES_EXTRA_HINT)
            return "postgresql+asyncpg://" + raw[len(prefix) :]
    raise ConfigError(
        setting, "expected sqlite:///<file> or postgresql+asyncpg://<user>@<host>/<database>"
    )


def _int_in_range(low: int, high: int) -> Callable[[str, str], int]:
    """A parser for a whole number in low..high."""

    def parse(setting: str, raw: str) -> int:
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ConfigError(setting, f"expected a whole number {low}-{high}, got {raw!r}")
        return int(raw)

    return parse


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

    def get(
        name: str, default: str | None = None, parse: Callable[[str, str], object] | None = None
    ) -> Any:
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
    # Telegram's cloud delivers webhooks to https only; a self-hosted Bot API server (and the
    # sandbox) takes http too (telegram-bot-api's Client::do_set_webhook only parses the URL).
    if (
        webhook_url is not None
        and not webhook_url.startswith("https://")
        and token is not None
        and api_url == DEFAULT_TELEGRAM_API_URL
    ):
        raise ConfigError("VITRINE_WEBHOOK_URL", "Telegram only delivers webhooks to https URLs")
    redis_url = get("VITRINE_REDIS_URL", None, _parse_redis_url)
    event_loop = get("VITRINE_EVENT_LOOP", default_event_loop()).strip().lower()
    if event_loop not in EVENT_LOOPS:
        raise ConfigError("VITRINE_EVENT_LOOP", f"expected one of {', '.join(EVENT_LOOPS)}")
    if event_loop == "uvloop" and not uvloop_available():
        raise ConfigError("VITRINE_EVENT_LOOP", "uvloop is not installed on this machine")
    timezone = get("VITRINE_TIMEZONE", "Asia/Shanghai")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except Exception:
        raise ConfigError("VITRINE_TIMEZONE", f"unknown IANA time zone {timezone!r}") from None
    database_url = get(
        "VITRINE_DATABASE_URL", "sqlite+aiosqlite:///vitrine.sqlite3", parse_database_url
    )
    if secret_key is None and not database_url.startswith("sqlite"):
        # A key generated per data directory would differ between the processes sharing the
        # database: one's buy links and Mini App sessions would fail in another.
        raise ConfigError(
            "VITRINE_SECRET_KEY",
            "required with PostgreSQL, the same in every process (at least 32 characters)",
        )
    resolved_secret = secret_key or _load_or_create_secret(data_dir)
    return Settings(
        redis_url=redis_url,
        event_loop=event_loop,
        telegram_bot_token=token,
        telegram_api_url=api_url,
        telegram_file_url=file_url,
        database_url=database_url,
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
        attribution_window_days=get("VITRINE_ATTRIBUTION_WINDOW_DAYS", "7", _int_in_range(1, 90)),
        refund_window_days=get("VITRINE_REFUND_WINDOW_DAYS", "15", _int_in_range(0, 180)),
        buy_token_max_age_days=get("VITRINE_BUY_TOKEN_MAX_AGE_DAYS", "30", _int_in_range(1, 365)),
        low_stock_threshold=get("VITRINE_LOW_STOCK_THRESHOLD", "3", _int_in_range(0, 1_000_000)),
        merchant_summary_hour=get("VITRINE_MERCHANT_SUMMARY_HOUR", "21", _int_in_range(0, 23)),
        demo_checkout_url=get("VITRINE_DEMO_CHECKOUT_URL", None, _parse_http_url),
        demo_pull=_parse_bool("VITRINE_DEMO_PULL", str(get("VITRINE_DEMO_PULL", "false"))),
        throttle_updates=get("VITRINE_THROTTLE_UPDATES", "20", _int_in_range(0, 10_000)),
        throttle_window_seconds=get(
            "VITRINE_THROTTLE_WINDOW_SECONDS", "10", _int_in_range(1, 3600)
        ),
        delivery=_delivery_settings(get),
        pull=_pull_settings(
            get, refund_window_days=get("VITRINE_REFUND_WINDOW_DAYS", "15", _int_in_range(0, 180))
        ),
        miniapp=_miniapp_settings(get),
    )


_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}\Z")
_APP_SHORT_NAME = re.compile(r"[A-Za-z0-9_]{3,30}\Z")


def _miniapp_settings(get: Callable[..., Any]) -> MiniAppSettings:
    """VITRINE_MINIAPP_*: the script, Telegram's public key, the initData age, the app's name."""
    public_key = str(get("VITRINE_MINIAPP_PUBLIC_KEY", TELEGRAM_WEB_APP_PUBLIC_KEY))
    if not _HEX_KEY.match(public_key):
        raise ConfigError("VITRINE_MINIAPP_PUBLIC_KEY", "expected 64 hex digits (an Ed25519 key)")
    short_name = get("VITRINE_MINIAPP_SHORT_NAME")
    if short_name is not None and not _APP_SHORT_NAME.match(short_name):
        raise ConfigError(
            "VITRINE_MINIAPP_SHORT_NAME", "3-30 letters, digits or _, as @BotFather allows"
        )
    return MiniAppSettings(
        script_url=get("VITRINE_MINIAPP_SCRIPT_URL", TELEGRAM_WEB_APP_SCRIPT, _parse_http_url),
        public_key=public_key.lower(),
        max_age_seconds=get(
            "VITRINE_MINIAPP_MAX_AGE_SECONDS", "86400", _int_in_range(60, 30 * 86400)
        ),
        short_name=short_name,
    )


_PULL_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")


def _pull_settings(get: Callable[..., Any], *, refund_window_days: int) -> PullSettings:
    """VITRINE_PULL_PARTNERS=taobao,... and per partner VITRINE_PULL_<KEY>_URL/_APP_KEY/_APP_SECRET."""
    partners = []
    for key in filter(
        None, (k.strip().lower() for k in str(get("VITRINE_PULL_PARTNERS", "")).split(","))
    ):
        if not _PULL_KEY.match(key):
            raise ConfigError("VITRINE_PULL_PARTNERS", f"not a partner key: {key!r}")
        prefix = f"VITRINE_PULL_{key.upper()}"
        url = get(f"{prefix}_URL", None, _parse_http_url)
        app_key = get(f"{prefix}_APP_KEY")
        app_secret = get(f"{prefix}_APP_SECRET")
        for name, value in (("_URL", url), ("_APP_KEY", app_key), ("_APP_SECRET", app_secret)):
            if not value:
                raise ConfigError(prefix + name, f"required when {key} is in VITRINE_PULL_PARTNERS")
        partners.append(PullPartner(key, str(url).rstrip("/"), str(app_key), str(app_secret)))

    def count(name: str, default: int, low: int, high: int) -> int:
        return _int_in_range(low, high)(name, str(get(name, str(default))))

    window = count("VITRINE_PULL_WINDOW_MINUTES", 180, 1, 1440)
    overlap = count("VITRINE_PULL_OVERLAP_MINUTES", 10, 0, 1439)
    if overlap >= window:
        raise ConfigError("VITRINE_PULL_OVERLAP_MINUTES", "must be shorter than the window")
    raw_rate = str(get("VITRINE_PULL_REQUESTS_PER_SECOND", "5"))
    try:
        rate = float(raw_rate)
    except ValueError:
        rate = -1.0
    if not 0.1 <= rate <= 1000:  # also refuses nan
        raise ConfigError(
            "VITRINE_PULL_REQUESTS_PER_SECOND", f"expected 0.1-1000, got {raw_rate!r}"
        )
    return PullSettings(
        partners=tuple(partners),
        window_minutes=window,
        overlap_minutes=overlap,
        settle_lag_seconds=count("VITRINE_PULL_SETTLE_LAG_SECONDS", 120, 0, 3600),
        page_size=count("VITRINE_PULL_PAGE_SIZE", 100, 1, 100),
        interval_seconds=count("VITRINE_PULL_INTERVAL_SECONDS", 300, 1, 86400),
        initial_lookback_hours=count("VITRINE_PULL_INITIAL_LOOKBACK_HOURS", 24, 0, 24 * 90),
        recheck_days=count("VITRINE_PULL_RECHECK_DAYS", refund_window_days, 0, 180),
        recheck_interval_minutes=count("VITRINE_PULL_RECHECK_INTERVAL_MINUTES", 60, 1, 10080),
        requests_per_second=rate,
    )


def _parse_bool(setting: str, raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(setting, f"expected true or false, got {raw!r}")


def _delivery_settings(get: Callable[..., object]) -> DeliverySettings:
    """The delivery and flood-rule settings; rates above Telegram's free 30/s need paid broadcast."""
    paid = _parse_bool("VITRINE_PAID_BROADCAST", str(get("VITRINE_PAID_BROADCAST", "false")))
    raw_rate = str(get("VITRINE_SEND_RATE", "30"))
    try:
        rate = float(raw_rate)
    except ValueError:
        raise ConfigError(
            "VITRINE_SEND_RATE", f"expected messages per second, got {raw_rate!r}"
        ) from None
    ceiling = 1000.0 if paid else 30.0
    if not 0.1 <= rate <= ceiling:  # also refuses nan and inf
        hint = "" if paid else " (set VITRINE_PAID_BROADCAST=true to go above 30)"
        raise ConfigError(
            "VITRINE_SEND_RATE", f"expected 0.1-{ceiling:g} messages per second{hint}"
        )

    def count(name: str, default: int, low: int, high: int) -> int:
        return _int_in_range(low, high)(name, str(get(name, str(default))))

    return DeliverySettings(
        send_rate=rate,
        paid_broadcast=paid,
        send_concurrency=count("VITRINE_SEND_CONCURRENCY", 8, 1, 100),
        max_attempts=count("VITRINE_SEND_MAX_ATTEMPTS", 5, 1, 20),
        campaigns_per_day=count("VITRINE_CAMPAIGNS_PER_DAY", 2, 0, 100),
        pushes_per_fan_per_day=count("VITRINE_PUSHES_PER_FAN_PER_DAY", 3, 0, 20),
        campaign_grace_minutes=count("VITRINE_CAMPAIGN_GRACE_MINUTES", 30, 0, 10080),
        outbox_lease_seconds=count("VITRINE_OUTBOX_LEASE_SECONDS", 60, 3, 3600),
    )


def _derive_webhook_secret(secret_key: str) -> str:
    """Telegram's secret_token allows [A-Za-z0-9_-]{1,256}; derive it so it is stable across restarts."""
    import hashlib
    import hmac

    return hmac.new(secret_key.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()
