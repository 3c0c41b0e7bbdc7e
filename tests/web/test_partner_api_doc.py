"""The signing examples in docs/partner-api.md produce signatures Vitrine accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.domain.webhooks import decode_secret, parse_order_payload, verify_webhook

DOC = Path(__file__).resolve().parents[2] / "docs" / "partner-api.md"


def code_block(language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert match is not None
    return match.group(1)


def secret_of(source: str) -> bytes:
    return decode_secret(re.search(r"SECRET\s*=\s*['\"](whsec_[^'\"]+)['\"]", source).group(1))  # type: ignore[union-attr]


def test_the_python_example_signs_correctly(monkeypatch: pytest.MonkeyPatch) -> None:
    source = code_block("python")
    sent: dict[str, Any] = {}

    def fake_post(url: str, *, content: bytes, headers: dict[str, str]) -> Any:
        sent.update(content=content, headers=headers)
        return httpx.Response(200, json={"status": "applied"})

    monkeypatch.setattr(httpx, "post", fake_post)
    exec(compile(source, "partner-api.md", "exec"), {"print": lambda *_: None})
    assert verify_webhook(
        [secret_of(source)], sent["headers"], sent["content"], now=int(time.time())
    )
    assert parse_order_payload(sent["content"]).status == "paid"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_the_curl_example_signs_correctly() -> None:
    source = code_block("sh")
    # curl is replaced by a function that prints what it would send, one argument per line.
    script = 'curl() { for a in "$@"; do printf \'%s\\n\' "$a"; done; }\n' + source
    lines = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    headers = dict(line.split(": ", 1) for line in lines if line.startswith("webhook-"))
    body = lines[lines.index("--data-binary") + 1].encode()
    assert verify_webhook([secret_of(source)], headers, body, now=int(time.time()))
    assert parse_order_payload(body).status == "refunded"
