"""`parse_mode=MarkdownV2` parsed the way td does (td/telegram/MessageEntity.cpp).

It works in place on the text like td's parse_markdown_v2: every reserved character outside an
entity must be escaped. Errors are td's messages without the "Can't parse entities: " prefix,
raised as EntityParseError.
"""

from __future__ import annotations

from typing import Any

from sandbox.entities import (
    DATE_FORMAT_CHARS,
    SPACES,
    EntityParseError,
    byte_offset,
    sort_entities,
    utf16_units,
)
from sandbox.links import checked_link_or_empty, link_user_id, mentioned_user
from sandbox.tdjson import to_integer_safe

_V2_RESERVED = "_*[]()~`>#+-=|{}.!\n"
_NAME = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


def _tg_query(url: str, host: str) -> str | None:
    """Return the parameters of a tg://<host>?… URL, or None (LinkManager::check_tg_url_host)."""
    lowered = url[: 3 + 2 + len(host) + 1].lower()
    if not lowered.startswith("tg:"):
        return None
    lowered, url = lowered[3:], url[3:]
    if url.startswith("//"):
        lowered, url = lowered[2:], url[2:]
    if not lowered.startswith(host) or (len(url) > len(host) and url[len(host)] not in "/?#"):
        return None
    url = url[len(host) :]
    if url.startswith("/"):
        url = url[1:]
    if not url.startswith("?"):
        return None
    return url[1:].split("#", 1)[0]


def _emoji_or_date(url: str) -> dict[str, Any] | None:
    query = _tg_query(url, "emoji")
    if query is not None:
        for parameter in query.split("&"):
            key, _, value = parameter.partition("=")
            if key == "id":
                emoji_id = to_integer_safe(value, 64)
                return (
                    {"type": "custom_emoji", "custom_emoji_id": str(emoji_id)} if emoji_id else None
                )
        return None
    query = _tg_query(url, "time")
    if query is None:
        return None
    date, date_format = 0, ""
    for parameter in query.split("&"):
        key, _, value = parameter.partition("=")
        if key == "unix":
            parsed = to_integer_safe(value, 32)
            if parsed is None or parsed <= 0:
                return None
            date = parsed
        if key == "format":
            date_format = value
    if date == 0:
        return None
    if date_format not in ("r", "R") and not set(date_format) <= DATE_FORMAT_CHARS:
        return None
    entity: dict[str, Any] = {"type": "date_time", "unix_time": date}
    if date_format:
        entity["date_time_format"] = date_format
    return entity


class _Open:
    def __init__(self, kind: str, argument: str, offset: int, byte_pos: int, out_pos: int) -> None:
        self.kind = kind
        self.argument = argument
        self.offset = offset
        self.byte_pos = byte_pos  # index in the source where the markup began
        self.out_pos = out_pos  # index in the output where the entity's text begins


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 (every reserved character outside an entity must be escaped)."""
    buf = list(source)
    size = len(buf)

    def at(index: int) -> str:
        return buf[index] if index < size else "\0"

    def reserved_error(char: str) -> EntityParseError:
        return EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def end_error(tag: _Open) -> EntityParseError:
        return EntityParseError(
            f"Can't find end of {_NAME[tag.kind]} entity at byte offset "
            f"{byte_offset(source, tag.byte_pos)}"
        )

    result_size = 0
    utf16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < size:
        char = buf[i]
        nxt = at(i + 1)
        if char == "\\" and "\x01" <= nxt <= "\x7e":
            i += 1
            utf16 += 1
            buf[result_size] = buf[i]
            result_size += 1
            if buf[i] != "\r":
                can_start_blockquote = buf[i] == "\n"
            i += 1
            continue
        reserved = _V2_RESERVED
        if stack and stack[-1].kind in ("code", "pre", "pre_code"):
            reserved = "`"
        if char not in reserved:
            utf16 += utf16_units(char)
            if char != "\r":
                can_start_blockquote = False
            buf[result_size] = char
            result_size += 1
            i += 1
            continue

        is_end = False
        if stack:
            kind = stack[-1].kind
            if have_blockquote and char == "\n" and (i + 1 == size or nxt != ">"):
                is_end = True
            elif kind == "bold":
                is_end = char == "*"
            elif kind == "italic":
                is_end = char == "_" and nxt != "_"
            elif kind == "code":
                is_end = char == "`"
            elif kind in ("pre", "pre_code"):
                is_end = char == "`" and nxt == "`" and at(i + 2) == "`"
            elif kind in ("text_link", "custom_emoji"):
                is_end = char == "]"
            elif kind == "underline":
                is_end = char == "_" and nxt == "_"
            elif kind == "strikethrough":
                is_end = char == "~"
            elif kind == "spoiler":
                is_end = char == "|" and nxt == "|"

        if not is_end:
            begin = i
            argument = ""
            kind = ""
            if char == "_":
                if nxt == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif char == "*":
                kind = "bold"
            elif char == "~":
                kind = "strikethrough"
            elif char == "|":
                if nxt != "|":
                    raise reserved_error(char)
                i += 1
                kind = "spoiler"
            elif char == "[":
                kind = "text_link"
            elif char == "`":
                if nxt == "`" and at(i + 2) == "`":
                    i += 3
                    kind = "pre"
                    language_end = i
                    while at(language_end) not in SPACES and at(language_end) != "`":
                        language_end += 1
                    if i != language_end and language_end < size and at(language_end) != "`":
                        kind = "pre_code"
                        argument = "".join(buf[i:language_end])
                        i = language_end
                    if at(i) in "\n\r" and at(i) != "\0":
                        if at(i + 1) in "\n\r" and at(i + 1) != "\0" and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif char == "!":
                if nxt != "[":
                    raise reserved_error(char)
                i += 1
                kind = "custom_emoji"
            elif char == "\n":
                utf16 += 1
                buf[result_size] = "\n"
                result_size += 1
                can_start_blockquote = True
            elif char == ">":
                if not can_start_blockquote:
                    raise reserved_error(char)
                if not have_blockquote:
                    kind = "blockquote"
                    have_blockquote = True
            else:
                raise reserved_error(char)
            if kind:
                stack.append(_Open(kind, argument, utf16, begin, result_size))
            i += 1
            continue

        kind = stack[-1].kind
        if char == "\n" and kind != "blockquote":
            top = stack[-1]
            started_just_before = top.byte_pos == i - 2 or (
                top.byte_pos == i - 3 and result_size != 0 and buf[result_size - 1] == "\r"
            )
            if kind != "spoiler" or not started_just_before:
                raise end_error(top)
            stack.pop()
            if stack[-1].kind != "blockquote":
                raise end_error(stack[-1])
            kind = "expandable_blockquote"
        top = stack[-1]
        argument = top.argument
        skip = utf16 == top.offset
        extra: dict[str, Any] = {}
        entity_type = kind
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_link":
            if at(i + 1) != "(":
                url = "".join(buf[top.out_pos : result_size])
            else:
                i += 2
                url_begin = i
                chars = []
                while i < size and buf[i] != ")":
                    if buf[i] == "\\" and "\x01" <= at(i + 1) <= "\x7e":
                        chars.append(buf[i + 1])
                        i += 2
                        continue
                    chars.append(buf[i])
                    i += 1
                if at(i) != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {byte_offset(source, url_begin)}"
                    )
                url = "".join(chars)
            user_id = link_user_id(url)
            if user_id:
                entity_type, extra = "text_mention", {"user": mentioned_user(user_id)}
            else:
                checked = checked_link_or_empty(url)
                if checked:
                    extra = {"url": checked}
                else:
                    skip = True
        elif kind == "custom_emoji":
            if at(i + 1) != "(":
                raise EntityParseError("The entity must contain a tg://emoji or tg://time URL")
            i += 2
            url_begin = i
            chars = []
            while i < size and buf[i] != ")":
                if buf[i] == "\\" and "\x01" <= at(i + 1) <= "\x7e":
                    chars.append(buf[i + 1])
                    i += 2
                    continue
                chars.append(buf[i])
                i += 1
            if at(i) != ")":
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {byte_offset(source, url_begin)}"
                )
            found = _emoji_or_date("".join(chars))
            if found is None:
                raise EntityParseError("Invalid tg://emoji or tg://time URL specified")
            entity_type = found.pop("type")
            extra = found
        elif kind in ("blockquote", "expandable_blockquote"):
            have_blockquote = False
            buf[result_size] = buf[i]
            result_size += 1
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip:
            entity = {"type": entity_type, "offset": top.offset, "length": utf16 - top.offset}
            if kind == "pre_code":
                entity = {**entity, "type": "pre", "language": argument}
            entities.append({**entity, **extra})
        stack.pop()
        i += 1

    if have_blockquote:
        kind = "blockquote"
        if stack and stack[-1].kind == "spoiler" and stack[-1].byte_pos == size - 2:
            stack.pop()
            kind = "expandable_blockquote"
        if stack and stack[-1].kind == "blockquote":
            have_blockquote = False
            top = stack.pop()
            if utf16 != top.offset:
                entities.append({"type": kind, "offset": top.offset, "length": utf16 - top.offset})
    if stack:
        raise end_error(stack[-1])
    return "".join(buf[:result_size]), sort_entities(entities)
