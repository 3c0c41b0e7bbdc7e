"""Entities rendered back to Telegram-style HTML, for showing messages on the sandbox chat page."""

from __future__ import annotations

import html
from typing import Any

from sandbox.entities import sort_entities

TAG_OF_ENTITY: dict[str, str] = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
}


def render_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Render text with entities back to Telegram-style HTML (for the chat page)."""
    units = text.encode("utf-16-le", "surrogatepass")
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, list[str]] = {}
    for index, entity in enumerate(sort_entities(entities)):
        kind = entity["type"]
        if kind == "text_link":
            open_tag, close_tag = f'<a href="{html.escape(entity["url"])}">', "</a>"
        elif kind == "pre" and entity.get("language"):
            language = html.escape(entity["language"])
            open_tag, close_tag = f'<pre><code class="language-{language}">', "</code></pre>"
        elif kind in TAG_OF_ENTITY:
            name = TAG_OF_ENTITY[kind]
            extra = " expandable" if kind == "expandable_blockquote" else ""
            open_tag, close_tag = f"<{name}{extra}>", f"</{name}>"
        else:
            continue
        opens.setdefault(entity["offset"], []).append((index, open_tag))
        closes.setdefault(entity["offset"] + entity["length"], []).insert(0, close_tag)
    pieces: list[str] = []
    for position in range(len(units) // 2 + 1):
        pieces.extend(closes.get(position, []))
        pieces.extend(tag for _, tag in opens.get(position, []))
        if position < len(units) // 2:
            unit = units[position * 2 : position * 2 + 2]
            if 0xDC00 <= int.from_bytes(unit, "little") <= 0xDFFF:
                continue  # second half of a surrogate pair, emitted with the first half
            if 0xD800 <= int.from_bytes(unit, "little") <= 0xDBFF:
                unit = units[position * 2 : position * 2 + 4]
            pieces.append(html.escape(unit.decode("utf-16-le", "surrogatepass"), quote=False))
    return "".join(pieces)
