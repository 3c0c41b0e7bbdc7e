"""A publisher's client for the simulated partner API, written from the pull contract alone.

It signs requests with its own implementation of the contract's canonical string, so a test
using it fails if the sandbox signs (or checks) any other way.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

from sandbox.partner_book import PartnerOrderBook

APP_KEY = "vitrine-app"
APP_SECRET = "s3cret-of-vitrine"
OTHER_APP_KEY = "other-app"
OTHER_APP_SECRET = "another-secret"
PLATFORM = "taobao"

# 2026-12-02 02:15:00 UTC is 10:15:00 in Beijing.
START = datetime(2026, 12, 2, 2, 15, tzinfo=UTC).timestamp()
CHINA = timezone(timedelta(hours=8))
HOUR = 3600.0
DAY = 24 * HOUR


class FakeClock:
    """A clock that moves only when told to (unix seconds)."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass."""
        self.now += seconds


class FakeRateClock(FakeClock):
    """The rate limit's own clock, so tests decide when a second has passed."""

    def __init__(self) -> None:
        super().__init__(1_000.0)


def beijing(at: float) -> str:
    """Unix seconds as the contract's Beijing time text."""
    return datetime.fromtimestamp(at, CHINA).strftime("%Y-%m-%d %H:%M:%S")


def contract_sign(params: dict[str, str], secret: str) -> str:
    """The contract's sign: HMAC-SHA256(secret) over sorted name=value pairs joined by &."""
    canonical = "&".join(f"{name}={params[name]}" for name in sorted(params) if name != "sign")
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class PartnerClient:
    """Calls GET /partner/{platform}/orders the way a publisher would."""

    def __init__(self, base_url: str, clock: FakeClock, platform: str = PLATFORM) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.clock = clock
        self.platform = platform

    def params(
        self,
        start: float,
        end: float,
        page_no: int = 1,
        page_size: int | None = None,
        app_key: str = APP_KEY,
        secret: str = APP_SECRET,
        overrides: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """A signed query for the window [start, end); `overrides` replace values before signing."""
        params = {
            "app_key": app_key,
            "timestamp": str(int(self.clock())),
            "start_time": beijing(start),
            "end_time": beijing(end),
            "page_no": str(page_no),
        }
        if page_size is not None:
            params["page_size"] = str(page_size)
        params.update(overrides or {})
        params["sign"] = contract_sign(params, secret)
        return params

    def get(self, params: Mapping[str, str] | list[tuple[str, str]]) -> httpx.Response:
        """GET the orders with exactly these query parameters (a list may repeat a name)."""
        pairs = tuple(params.items()) if isinstance(params, Mapping) else tuple(params)
        return self.http.get(f"/partner/{self.platform}/orders", params=pairs)

    def page(self, start: float, end: float, page_no: int = 1, page_size: int = 20) -> Any:
        """One page's JSON body; fail unless the answer is 200."""
        response = self.get(self.params(start, end, page_no, page_size))
        assert response.status_code == 200, response.text
        return response.json()

    def sim(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call one of the /sim/partner/{platform} control routes."""
        return self.http.request(method, f"/sim/partner/{self.platform}{path}", **kwargs)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.close()


def pay(book: PartnerOrderBook, trade_id: str, at: float, **values: object) -> None:
    """Record one paid order with sensible defaults."""
    order: dict[str, object] = {
        "item_id": "1000001",
        "item_num": 1,
        "price_fen": 12_900,
        "sub_id": "click1",
        "shop_id": "123456",
        "commission_rate_bp": 1500,
    }
    order.update(values)
    book.record_payment(trade_id, at=at, **order)  # type: ignore[arg-type]


def refusal(response: httpx.Response) -> tuple[int, str]:
    """(HTTP status, error code) of a refused call."""
    return response.status_code, response.json()["error"]["code"]
