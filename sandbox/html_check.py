"""Parse `parse_mode=HTML` text the way Telegram does: plain text plus entities, or a 400."""

from __future__ import annotations

import html
import re
from typing import Any

from sandbox.errors import BotApiError, bad_request

# Tag name -> Bot API entity type; only these tags are accepted, like Telegram's parser.
ENTITY_OF_TAG: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
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
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+")


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None
    return _NAMED_ENTITIES.get(body.lower())


class _OpenTag:
    def __init__(self, name: str, start: int, attributes: dict[str, str]) -> None:
        self.name = name
        self.start = start  # UTF-16 offset in the output text
        self.attributes = attributes


def _parse_attributes(source: str, i: int, tag: str, tag_start: int) -> tuple[dict[str, str], int]:
    """Read attributes from `source[i:]` up to '>'; return them and the index after it."""
    attributes: dict[str, str] = {}
    while True:
        while i < len(source) and source[i].isspace():
            i += 1
        if i >= len(source):
            raise bad_request(
                f"can't parse entities: Unclosed start tag at byte offset "
                f"{_byte_offset(source, tag_start)}"
            )
        if source[i] == ">":
            return attributes, i + 1
        if source[i] == "/" and source[i + 1 : i + 2] == ">":
            return attributes, i + 2
        match = _ATTR_NAME_RE.match(source, i)
        if not match:
            raise bad_request(
                f'can\'t parse entities: Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(source, i)}"
            )
        name = match.group(0).lower()
        i = match.end()
        while i < len(source) and source[i].isspace():
            i += 1
        if i >= len(source) or source[i] != "=":
            if name == "expandable":  # a bare flag attribute, as in <blockquote expandable>
                attributes[name] = ""
                continue
            raise bad_request(
                f"can't parse entities: Expected equal sign in declaration of an attribute of the "
                f'tag "{tag}" at byte offset {_byte_offset(source, i)}'
            )
        i += 1
        while i < len(source) and source[i].isspace():
            i += 1
        if i < len(source) and source[i] in "\"'":
            quote = source[i]
            end = source.find(quote, i + 1)
            if end < 0:
                raise bad_request(
                    f"can't parse entities: Unclosed start tag at byte offset "
                    f"{_byte_offset(source, tag_start)}"
                )
            raw_value, i = source[i + 1 : end], end + 1
        else:
            match = re.compile(r"[^\s>]*").match(source, i)
            assert match is not None
            raw_value, i = match.group(0), match.end()
        attributes[name] = html.unescape(raw_value)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for Telegram-HTML `source`, or raise a 400 BotApiError."""
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                out.append(decoded)
                out_len += utf16_len(decoded)
                i = match.end()
                continue
            out.append("&")  # Telegram keeps an unknown entity as literal text
            out_len += 1
            i += 1
            continue
        if char != "<":
            out.append(char)
            out_len += utf16_len(char)
            i += 1
            continue
        tag_start = i
        if source[i + 1 : i + 2] == "/":
            name_match = _NAME_RE.match(source, i + 2)
            assert name_match is not None
            name = name_match.group(0).lower()
            j = name_match.end()
            while j < len(source) and source[j].isspace():
                j += 1
            if j >= len(source) or source[j] != ">":
                raise bad_request(
                    "can't parse entities: Unclosed end tag at byte offset "
                    f"{_byte_offset(source, tag_start)}"
                )
            if not stack:
                raise bad_request(
                    "can't parse entities: Unexpected end tag at byte offset "
                    f"{_byte_offset(source, tag_start)}"
                )
            if stack[-1].name != name:
                raise bad_request(
                    "can't parse entities: Unmatched end tag at byte offset "
                    f'{_byte_offset(source, tag_start)}, expected "</{stack[-1].name}>", '
                    f'found "</{name}>"'
                )
            entities.extend(_entities_for(stack.pop(), out_len, stack))
            i = j + 1
            continue
        name_match = _NAME_RE.match(source, i + 1)
        assert name_match is not None
        name = name_match.group(0).lower()
        if name not in ENTITY_OF_TAG:
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset '
                f"{_byte_offset(source, tag_start)}"
            )
        attributes, i = _parse_attributes(source, name_match.end(), name, tag_start)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise bad_request('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
        stack.append(_OpenTag(name, out_len, attributes))
    if stack:
        raise bad_request(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1].name}"'
        )
    return "".join(out), _sorted(entities)


def _entities_for(tag: _OpenTag, end: int, outer: list[_OpenTag]) -> list[dict[str, Any]]:
    """Return the entity a closed tag produces (none for empty ones or a <code> inside <pre>)."""
    length = end - tag.start
    if length <= 0:
        return []
    kind = ENTITY_OF_TAG[tag.name]
    entity: dict[str, Any] = {"type": kind, "offset": tag.start, "length": length}
    if tag.name == "a":
        href = tag.attributes.get("href", "")
        if not href:
            return []  # Telegram drops a link without a target and keeps its text
        entity["url"] = href
    elif tag.name == "code" and outer and outer[-1].name == "pre":
        language = tag.attributes.get("class", "")
        # <pre><code class="language-x"> sets the pre block's language instead of a code entity
        if language.startswith("language-"):
            outer[-1].attributes["language"] = language.removeprefix("language-")
        return []
    elif tag.name == "pre" and tag.attributes.get("language"):
        entity["language"] = tag.attributes["language"]
    elif tag.name == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    return [entity]


def _sorted(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing whitespace as Telegram does, shifting and clipping the entities."""
    stripped_front = text[: len(text) - len(text.lstrip())]
    result = text.strip()
    shift = utf16_len(stripped_front)
    total = utf16_len(result)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(total, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, _sorted(kept)


def render_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Render text with entities back to Telegram-style HTML (for the chat page)."""
    units = text.encode("utf-16-le")
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, list[str]] = {}
    for index, entity in enumerate(_sorted(entities)):
        kind = entity["type"]
        if kind == "text_link":
            open_tag, close_tag = f'<a href="{html.escape(entity["url"])}">', "</a>"
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
            pieces.append(html.escape(unit.decode("utf-16-le"), quote=False))
    return "".join(pieces)


def check_length(text: str, limit: int, error: str) -> None:
    """Raise `error` (a full Telegram description) if `text` is longer than `limit` UTF-16 units."""
    if utf16_len(text) > limit:
        raise BotApiError(400, error)
