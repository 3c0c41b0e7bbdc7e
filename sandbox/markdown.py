"""`parse_mode=Markdown` (legacy) parsed the way td does (td/telegram/MessageEntity.cpp).

It works in place on the text like td's parse_markdown, including td's quirks (a `[text]` without
a URL takes its URL from the buffer as td does). Errors are td's messages without the "Can't parse
entities: " prefix, raised as EntityParseError. MarkdownV2 is in `sandbox.markdown_v2`.
"""

from __future__ import annotations

from typing import Any

from sandbox.entities import SPACES, EntityParseError, byte_offset, sort_entities, utf16_units
from sandbox.links import checked_link_or_empty, link_user_id, mentioned_user


def _link_entity(url: str, entity: dict[str, Any]) -> dict[str, Any] | None:
    user_id = link_user_id(url)
    if user_id:
        return {**entity, "type": "text_mention", "user": mentioned_user(user_id)}
    checked = checked_link_or_empty(url)
    if not checked:
        return None
    return {**entity, "type": "text_link", "url": checked}


def parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    buf = list(source)
    size = len(buf)

    def at(index: int) -> str:
        return buf[index] if index < size else "\0"

    result_size = 0
    utf16 = 0
    entities: list[dict[str, Any]] = []
    i = 0
    while i < size:
        char = buf[i]
        if char == "\\" and at(i + 1) in "_*`[" and at(i + 1) != "\0":
            i += 1
            buf[result_size] = buf[i]
            result_size += 1
            utf16 += 1
            i += 1
            continue
        if char not in "_*`[":
            utf16 += utf16_units(char)
            buf[result_size] = char
            result_size += 1
            i += 1
            continue
        begin = i
        end_char = "]" if char == "[" else char
        is_pre = False
        i += 1
        language = ""
        if char == "`" and at(i) == "`" and at(i + 1) == "`":
            i += 2
            is_pre = True
            language_end = i
            while at(language_end) not in SPACES and at(language_end) != "`":
                language_end += 1
            if i != language_end and language_end < size and at(language_end) != "`":
                language = "".join(buf[i:language_end])
                i = language_end
            if at(i) in "\n\r" and at(i) != "\0":
                if at(i + 1) in "\n\r" and at(i + 1) != "\0" and at(i) != at(i + 1):
                    i += 2
                else:
                    i += 1
        entity_offset = utf16
        while i < size and (
            buf[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))
        ):
            utf16 += utf16_units(buf[i])
            buf[result_size] = buf[i]
            result_size += 1
            i += 1
        if i == size:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {byte_offset(source, begin)}"
            )
        if entity_offset != utf16:
            entity: dict[str, Any] = {"offset": entity_offset, "length": utf16 - entity_offset}
            if char == "_":
                entities.append({**entity, "type": "italic"})
            elif char == "*":
                entities.append({**entity, "type": "bold"})
            elif char == "[":
                if at(i + 1) != "(":
                    url = "".join(buf[begin + 1 : i])  # td reads its in-place buffer here
                else:
                    i += 2
                    chars = []
                    while i < size and buf[i] != ")":
                        chars.append(buf[i])
                        i += 1
                    url = "".join(chars)
                link = _link_entity(url, entity)
                if link is not None:
                    entities.append(link)
            elif is_pre:
                entities.append(
                    {**entity, "type": "pre", **({"language": language} if language else {})}
                )
            else:
                entities.append({**entity, "type": "code"})
        if is_pre:
            i += 2
        i += 1
    return "".join(buf[:result_size]), sort_entities(entities)
