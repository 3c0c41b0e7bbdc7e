"""The browser chat page: templates/sandbox/chat.html and its static files, served as they are."""

from __future__ import annotations

import importlib.resources
import mimetypes
from importlib.resources.abc import Traversable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

STATIC_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vitrine sandbox</title></head>
<body>
<h1>Vitrine sandbox</h1>
<p>The chat page (templates/sandbox/chat.html) is not installed. The JSON API is under
<a href="/sim/users">/sim/</a>; see sandbox/README.md.</p>
</body></html>
"""


def _sandbox_templates() -> Traversable | None:
    """Return the templates/sandbox folder of the `templates` package, if present."""
    try:
        return importlib.resources.files("templates") / "sandbox"
    except ModuleNotFoundError:
        return None


async def chat_page(request: Request) -> Response:
    """GET /: the chat page (a placeholder if the page is not installed)."""
    folder = _sandbox_templates()
    page = folder / "chat.html" if folder is not None else None
    if page is None or not page.is_file():
        return HTMLResponse(PLACEHOLDER_PAGE)
    return HTMLResponse(page.read_text(encoding="utf-8"), headers={"Cache-Control": "no-cache"})


def _template_file(parts: list[str], media_type: str) -> Response:
    """A file below templates/sandbox/ as it is (not cached), or 404 if it is not there."""
    folder = _sandbox_templates()
    if folder is None:
        return _not_found()
    target: Traversable = folder
    for part in parts:
        target = target / part
    if not target.is_file():
        return _not_found()
    return Response(
        target.read_bytes(), media_type=media_type, headers={"Cache-Control": "no-cache"}
    )


def _not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain")


async def telegram_web_app_js(request: Request) -> Response:
    """GET /telegram-web-app.js: the sandbox's stand-in for Telegram's Mini App script."""
    return _template_file(["telegram-web-app.js"], "text/javascript")


async def static_file(request: Request) -> Response:
    """GET /static/sandbox/{path}: a .js/.css/.png/.svg file from templates/sandbox/."""
    path: str = request.path_params["path"]
    parts = path.split("/")
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    # Only plain names below the folder: no "..", no hidden files, no backslashes.
    if suffix not in STATIC_TYPES or any(
        not part or part.startswith(".") or "\\" in part for part in parts
    ):
        return _not_found()
    media_type = STATIC_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "text/plain"
    return _template_file(parts, media_type)
