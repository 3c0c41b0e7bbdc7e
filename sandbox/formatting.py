"""Formatted text (message texts, captions, inline message texts) through the server's two steps.

1. The Bot API server (`Client::get_formatted_text`): at most 32768 bytes, then either a parse
   mode (HTML, Markdown, MarkdownV2; "none" or empty means none) or explicit entities from a JSON
   array (silently ignored when the JSON does not parse or is not an array, as the server does).
2. td (`fix_formatted_text`): valid UTF-8, entity bounds, control characters turned into spaces,
   "\\r" and a few invisible characters removed, trailing spaces/newlines and leading ones before
   the first entity trimmed, and "Text must be non-empty" unless empty is allowed (captions).

Lengths are then checked in Unicode code points, as td's `utf8_length` counts them (4096 for a
message text, 1024 for a caption): 4096 emoji fit, which a UTF-16 count would refuse.
Entity normalisation (overlaps, nesting) follows td's rules closely but not bit for bit.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox import tdjson
from sandbox.entities import EntityParseError, byte_offset, sort_entities, utf16_len
from sandbox.errors import BotApiError, td_error
from sandbox.html_check import parse_html
from sandbox.links import UrlError, check_link, link_user_id, mentioned_user
from sandbox.markdown import parse_markdown
from sandbox.markdown_v2 import parse_markdown_v2
from sandbox.tdjson import JsonError, is_utf8

MAX_TEXT_BYTES = 1 << 15
MAX_TEXT = 4096
MAX_CAPTION = 1024
SPLITTABLE = ("bold", "italic", "underline", "strikethrough", "spoiler")
BLOCKQUOTES = ("blockquote", "expandable_blockquote")
PRE_TYPES = ("pre", "code")
IGNORED_ENTITY_TYPES = frozenset(
    [
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bank_card_number",
    ]
)
_REMOVED = frozenset("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a")
_DIRECTION_MARKS = re.compile("[\u200e\u200f]{2,}")


def td_bytes(text: str) -> int:
    """Return the byte length td sees (an undecodable byte kept as a surrogate counts once)."""
    total = 0
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF or code < 0x80:
            total += 1
        elif code < 0x800:
            total += 2
        elif code < 0x10000:
            total += 3
        else:
            total += 4
    return total


def code_points(text: str) -> int:
    """Return td's utf8_length: the number of Unicode code points."""
    return len(text)


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _date_format_ok(date_format: str) -> bool:
    return date_format in ("", "r", "R") or set(date_format) <= set("tTdDwW")


def _text_entity(value: Any) -> dict[str, Any] | None:
    """Client::get_text_entity: one MessageEntity object, or None for auto-detected types."""
    if not isinstance(value, dict):
        raise JsonError("expected an Object")
    offset = tdjson.req_int(value, "offset")
    length = tdjson.req_int(value, "length")
    kind = tdjson.req_str(value, "type")
    if not kind:
        raise JsonError("Type is not specified")
    entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    if kind in ("bold", "italic", "underline", "strikethrough", "spoiler", "code") or kind in (
        BLOCKQUOTES
    ):
        return entity
    if kind == "pre":
        language = tdjson.opt_str(value, "language")
        if language:
            entity["language"] = language
        return entity
    if kind == "text_link":
        entity["url"] = tdjson.req_str(value, "url")
        return entity
    if kind == "text_mention":
        user = tdjson.req_field(value, "user", "Object")
        entity["user"] = {"id": tdjson.req_int(user, "id", bits=64)}
        return entity
    if kind == "custom_emoji":
        entity["custom_emoji_id"] = str(tdjson.req_int(value, "custom_emoji_id", bits=64))
        return entity
    if kind == "date_time":
        entity["unix_time"] = tdjson.req_int(value, "unix_time")
        date_format = tdjson.opt_str(value, "date_time_format")
        if date_format and not _date_format_ok(date_format):
            raise JsonError("Invalid date-time format specified")
        if date_format:
            entity["date_time_format"] = date_format
        return entity
    if kind in IGNORED_ENTITY_TYPES:
        return None
    raise JsonError("Unsupported type specified")


def client_formatted_text(
    text: str, parse_mode: str, entities: Any
) -> tuple[str, list[dict[str, Any]]]:
    """Client::get_formatted_text: parse_mode or explicit entities (a decoded JSON value or None)."""
    if td_bytes(text) > MAX_TEXT_BYTES:
        raise td_error(400, "Text is too long")
    mode = _ascii_lower(parse_mode)
    if text and mode and mode != "none":
        parser = {"markdown": parse_markdown, "markdownv2": parse_markdown_v2}.get(mode)
        if parser is None and mode != "html":
            raise td_error(400, "Unsupported parse_mode")
        if not is_utf8(text):
            raise td_error(400, "Text must be encoded in UTF-8")
        if parser is None:
            return parse_html(text)
        try:
            return parser(text)
        except EntityParseError as exc:
            raise td_error(400, f"Can't parse entities: {exc}") from exc
    result: list[dict[str, Any]] = []
    if isinstance(entities, list):
        for value in entities:
            try:
                entity = _text_entity(value)
            except JsonError as exc:
                raise td_error(400, f"Can't parse MessageEntity: {exc}") from exc
            if entity is not None:
                result.append(entity)
    return text, result


def entities_argument(raw: str) -> Any:
    """Decode an entities parameter like Client::get_input_entities (bad JSON counts as none)."""
    if not raw:
        return None
    try:
        return tdjson.decode(raw)
    except JsonError:
        return None


def _td_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """td's get_message_entities: check and normalise text_link URLs and other arguments."""
    result = []
    for entity in entities:
        entity = dict(entity)
        kind = entity["type"]
        if kind == "pre" and not is_utf8(entity.get("language", "")):
            raise td_error(400, "MessageEntityPreCode.language must be encoded in UTF-8")
        if kind == "text_link":
            url = entity["url"]
            if not is_utf8(url):
                raise td_error(400, "MessageEntityTextUrl.url must be encoded in UTF-8")
            user_id = link_user_id(url)
            if user_id:
                entity = {
                    "type": "text_mention",
                    "offset": entity["offset"],
                    "length": entity["length"],
                    "user": mentioned_user(user_id),
                }
            else:
                try:
                    entity["url"] = check_link(url)
                except UrlError as exc:
                    raise td_error(400, f"Entity {exc}") from exc
        if kind == "custom_emoji" and int(entity["custom_emoji_id"]) == 0:
            raise td_error(400, "Invalid custom emoji identifier specified")
        if kind == "date_time" and entity["unix_time"] <= 0:
            raise td_error(400, "Invalid date specified")
        result.append(entity)
    return result


def _fix_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """td's fix_entities, closely: continuous entities may not overlap, nothing lives inside pre
    or code, blockquotes do not nest, and bold/italic/... runs merge and split at boundaries."""
    entities = sort_entities([e for e in entities if e["length"] > 0])
    continuous = [
        e for e in entities if e["type"] not in SPLITTABLE and e["type"] not in BLOCKQUOTES
    ]
    quotes = [e for e in entities if e["type"] in BLOCKQUOTES]

    def without_intersections(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept, last_end = [], 0
        for item in items:
            if item["offset"] >= last_end:
                kept.append(item)
                last_end = item["offset"] + item["length"]
        return kept

    continuous = without_intersections(continuous)
    quotes = without_intersections(quotes)
    if quotes:
        continuous = [
            e
            for e in continuous
            if all(
                e["offset"] >= q["offset"] + q["length"]
                or e["offset"] + e["length"] <= q["offset"]
                or (
                    q["offset"] <= e["offset"]
                    and e["offset"] + e["length"] <= q["offset"] + q["length"]
                )
                for q in quotes
            )
        ]
    blocked: set[int] = set()
    for entity in continuous:
        if entity["type"] in PRE_TYPES:
            blocked.update(range(entity["offset"], entity["offset"] + entity["length"]))
    boundaries: set[int] = set()
    for entity in continuous + quotes:
        boundaries.update((entity["offset"], entity["offset"] + entity["length"]))
    result = continuous + quotes
    for kind in SPLITTABLE:
        covered: set[int] = set()
        for entity in entities:
            if entity["type"] == kind:
                covered.update(range(entity["offset"], entity["offset"] + entity["length"]))
        covered -= blocked
        start: int | None = None
        end = 0
        for position in [*sorted(covered), -1]:
            if start is not None and (position != end or position in boundaries):
                result.append({"type": kind, "offset": start, "length": end - start})
                start = None
            if position < 0:
                break
            if start is None:
                start = position
            end = position + 1
    return sort_entities(result)


def clean_input_string(text: str) -> str | None:
    """td's clean_input_string: None if not UTF-8, else control characters as spaces, "\\r" and
    a few invisible characters removed."""
    if not is_utf8(text):
        return None
    out = "".join(" " if c <= " " and c != "\n" else c for c in text if c not in _REMOVED)
    return _replace_direction_marks(out)


def _replace_direction_marks(text: str) -> str:
    """td's replace_offending_characters: in a run of LRM/RLM marks all but the last become ZWNJ."""
    return _DIRECTION_MARKS.sub(lambda m: "\u200c" * (len(m.group()) - 1) + m.group()[-1], text)


def _clean_with_entities(
    text: str, entities: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """td's clean_input_string(_with_entities): bounds checks, control characters and removals."""
    starts = [0]  # UTF-16 offset at each character boundary
    for char in text:
        starts.append(starts[-1] + (2 if ord(char) > 0xFFFF else 1))
    total = starts[-1]
    boundary = {offset: index for index, offset in enumerate(starts)}
    for entity in entities:
        offset, end = entity["offset"], entity["offset"] + entity["length"]
        if offset not in boundary and offset < total:
            index = next(i for i, o in enumerate(starts) if o > offset)
            raise td_error(
                400,
                "Entity begins in a middle of a UTF-16 symbol at byte offset "
                f"{byte_offset(text, index)}",
            )
        if end not in boundary and end < total:
            index = next(i for i, o in enumerate(starts) if o > end)
            raise td_error(
                400,
                f"Entity beginning at UTF-16 offset {offset} ends in a middle of a UTF-16 symbol "
                f"at byte offset {byte_offset(text, index)}",
            )
    for entity in entities:
        if entity["offset"] > total:
            raise td_error(
                400, f"Entity begins after the end of the text at UTF-16 offset {entity['offset']}"
            )
    for entity in entities:
        end = entity["offset"] + entity["length"]
        if end > total:
            raise td_error(
                400,
                f"Entity beginning at UTF-16 offset {entity['offset']} ends after the end of the "
                f"text at UTF-16 offset {end}",
            )
    # Removed characters shift every entity boundary after them.
    removed_before = [0]
    out: list[str] = []
    for char in text:
        if char in _REMOVED:
            removed_before.append(removed_before[-1] + 1)
            continue
        out.append(" " if char <= " " and char != "\n" else char)
        removed_before.append(removed_before[-1])
    shift_at = {starts[i]: removed_before[i] for i in range(len(starts))}
    shifted = []
    for entity in entities:
        begin = entity["offset"] - shift_at[entity["offset"]]
        end = entity["offset"] + entity["length"]
        shifted.append({**entity, "offset": begin, "length": end - shift_at[end] - begin})
    cleaned = _replace_direction_marks("".join(out))
    return cleaned, shifted


def fix_formatted_text(
    text: str, entities: list[dict[str, Any]], *, allow_empty: bool
) -> tuple[str, list[dict[str, Any]]]:
    """td's get_message_entities + fix_formatted_text: raise Telegram's 400 or return the
    cleaned, trimmed text and its entities."""
    entities = _td_entities(entities)
    if not is_utf8(text):
        raise td_error(400, "Strings must be encoded in UTF-8")
    for entity in entities:
        if not 0 <= entity["offset"] <= 1000000:
            raise td_error(400, f"Receive an entity with incorrect offset {entity['offset']}")
        if not 0 <= entity["length"] <= 1000000:
            raise td_error(400, f"Receive an entity with incorrect length {entity['length']}")
    entities = _fix_entities(entities)
    text, entities = _clean_with_entities(text, entities)
    entities = [e for e in entities if e["length"] > 0]
    body = text.rstrip(" \n")
    if not body:
        if allow_empty:
            return "", []
        raise td_error(400, "Text must be non-empty")
    end = utf16_len(body)
    clipped = []
    for entity in entities:
        if entity["offset"] >= end:
            continue
        clipped.append({**entity, "length": min(entity["length"], end - entity["offset"])})
    first_entity = clipped[0]["offset"] if clipped else len(body)
    lead = 0
    while lead < first_entity and lead < len(body) and body[lead] in " \n":
        lead += 1
    result = [{**e, "offset": e["offset"] - lead} for e in clipped]
    return body[lead:], sort_entities(result)


def check_length(text: str, limit: int, error: BotApiError) -> None:
    """Raise `error` if `text` has more than `limit` code points (td's utf8_length)."""
    if code_points(text) > limit:
        raise error
