"""Bot API parameters from query strings and JSON, form or multipart bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from sandbox.errors import BotApiError, bad_request


@dataclass
class Upload:
    """A file sent as a multipart field."""

    filename: str | None
    content_type: str
    content: bytes


async def read_params(request: Request) -> dict[str, Any]:
    """Merge the query string and the body (JSON object, urlencoded or multipart) into one dict."""
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/json"):
        raw = await request.body()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request parameters") from exc
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON encoded request parameters")
            params.update(body)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        async with request.form(max_files=100, max_fields=1000) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    params[key] = Upload(
                        value.filename,
                        value.content_type or "application/octet-stream",
                        await value.read(),
                    )
                else:
                    params[key] = value
    return params


class Params:
    """Typed access to one call's parameters; values may be native (JSON) or strings (forms)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        """Say whether `name` was sent with a non-null value."""
        return self.raw.get(name) is not None

    def get(self, name: str) -> Any:
        """Return the raw value of `name` (None if absent)."""
        return self.raw.get(name)

    def text(self, name: str, default: str | None = None) -> str | None:
        """Return `name` as text, or `default` if absent."""
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, Upload):
            raise bad_request(f'parameter "{name}" must be a string')
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """Return `name` as an integer, or `default` if absent; a non-number is a 400."""
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f'parameter "{name}" must be a Number')
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f'parameter "{name}" must be a Number') from exc

    def flag(self, name: str) -> bool:
        """Return `name` as a boolean (absent = False)."""
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        """Return `name` decoded from JSON if it came as a string; `error` describes a bad value."""
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise BotApiError(400, error) from exc
        return value
