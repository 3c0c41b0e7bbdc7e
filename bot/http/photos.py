"""`/items/<id>/photo`: an item's photo for the intermediate page, by item id only (no paths in)."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from bot.http.dependencies import HttpContext

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
MAX_ITEM_ID = 2**63 - 1
CACHE = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}


def _sniff(data: bytes) -> str | None:
    """The image type of downloaded bytes, or None if they are not an image we serve."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def item_photo(ctx: HttpContext, request: Request) -> Response:
    """Serve a shown item's demo photo or its cached Telegram photo; 404 for anything else."""
    item_id = request.path_params["item_id"]
    if not 0 < item_id <= MAX_ITEM_ID:
        return Response(status_code=404)
    item = await ctx.services.repos.items.get(item_id)
    if item is None or not item.available:
        return Response(status_code=404)
    expert = await ctx.services.repos.experts.get(item.expert_id)
    if expert is None or not expert.is_active:
        return Response(status_code=404)
    if item.photo_path:
        # The path comes from our own database (demo data), never from the request.
        path = Path(item.photo_path)
        media_type = IMAGE_TYPES.get(path.suffix.lower())
        if media_type is not None and await asyncio.to_thread(path.is_file):
            return FileResponse(path, media_type=media_type, headers=CACHE)
    if item.photo_file_id:
        data = await ctx.photos.get(item.photo_file_id, ctx.fetch_file)
        media_type = _sniff(data) if data else None
        if data and media_type:
            return Response(data, media_type=media_type, headers=CACHE)
    return Response(status_code=404)


def photo_routes(ctx: HttpContext) -> list[Route]:
    """The photo route bound to `ctx`."""
    return [Route("/items/{item_id:int}/photo", partial(item_photo, ctx), methods=["GET"])]
