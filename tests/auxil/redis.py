"""The Redis the tests use: `VITRINE_TEST_REDIS_URL`, by default the machine's own (6379)."""

from __future__ import annotations

import os
import uuid

REDIS_URL_ENV = "VITRINE_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_server_url() -> str:
    return os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


def fresh_namespace() -> str:
    """A namespace no other test (nor another run on the same server) shares."""
    return f"test-{uuid.uuid4().hex[:12]}"


async def forget_namespace(namespace: str) -> None:
    """Delete what a bot namespace keeps in Redis (its send gate's schedules, pause, marks)."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_server_url())
    keys = [key async for key in redis.scan_iter(f"vitrine:{namespace}:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
