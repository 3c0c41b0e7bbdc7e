"""`parse_mode=HTML` parsed the way td does (td/telegram/MessageEntity.cpp `parse_html`).

The result is plain text plus Bot API entities; malformed input raises Telegram's 400
("Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 0"). Byte offsets
in the messages count UTF-8 bytes of the source, as td's do. Rules worth knowing, all td's:
tags are a, b, strong, i, em, u, ins, s, strike, del, tg-spoiler, span class="tg-spoiler",
tg-emoji, tg-time, pre, code and blockquote; attributes without a value are allowed (and
ignored); an unquoted value may hold only letters, digits, "." and "-"; `</>` closes whatever is
open; only &lt; &gt; &amp; &quot; and numeric references are decoded (the ";" is optional), any
other "&" stays literal text; `<a>` without href links to its own text; a link td refuses is
dropped silently (its text stays).
"""

from __future__ import annotations

from typing import Any

from sandbox.entities import (
    DATE_FORMAT_CHARS,
    SPACES,
    EntityParseError,
    byte_offset,
    sort_entities,
)
from sandbox.errors import BotApiError
from sandbox.links import checked_link_or_empty, link_user_id, mentioned_user
from sandbox.tdjson import is_utf8, to_integer, to_integer_safe

TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
SIMPLE_ENTITY_OF_TAG: dict[str, str] = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}


def decode_html_entity(text: str, pos: int) -> tuple[int, int]:
    """Decode the character reference at text[pos] == "&": (code point or 0, index after it)."""

    def at(index: int) -> str:
        return text[index] if index < len(text) else "\0"

    end = pos + 1
    code = 0
    if at(pos + 1) == "#":
        end += 1
        if at(pos + 2) == "x":
            end += 1
            while at(end) in "0123456789abcdefABCDEF" and at(end) != "\0":
                code = code * 16 + int(at(end), 16)
                end += 1
        else:
            while "0" <= at(end) <= "9":
                code = code * 10 + ord(at(end)) - 48
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while at(end).isascii() and at(end).isalpha():
            end += 1
        code = {"lt": 60, "gt": 62, "amp": 38, "quot": 34}.get(text[pos + 1 : end], 0)
        if code == 0:
            return 0, pos
    return code, end + 1 if at(end) == ";" else end


class _Open:
    def __init__(self, tag: str, argument: str, date: int, offset: int, text_pos: int) -> None:
        self.tag = tag
        self.argument = argument
        self.date = date
        self.offset = offset  # UTF-16 offset in the output text
        self.text_pos = text_pos  # index in the output characters


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _closed_entity(
    tag: _Open, end: int, out: list[str], entities: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Return the entity a closing tag makes (None if none); may turn the previous one into pre."""
    offset, length = tag.offset, end - tag.offset
    entity: dict[str, Any] = {"offset": offset, "length": length}
    name = tag.tag
    if name in SIMPLE_ENTITY_OF_TAG:
        entity["type"] = SIMPLE_ENTITY_OF_TAG[name]
    elif name == "span":
        entity["type"] = "spoiler"
    elif name == "tg-emoji":
        emoji_id = to_integer_safe(tag.argument, 64)
        if not emoji_id:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=str(emoji_id))
    elif name == "tg-time":
        if tag.argument not in ("r", "R") and not set(tag.argument) <= DATE_FORMAT_CHARS:
            raise EntityParseError("Invalid date format used")
        if tag.date <= 0:
            return None
        entity.update(type="date_time", unix_time=tag.date)
        if tag.argument:
            entity["date_time_format"] = tag.argument
    elif name == "a":
        url = tag.argument or "".join(out[tag.text_pos :])
        user_id = link_user_id(url)
        if user_id:
            entity.update(type="text_mention", user=mentioned_user(user_id))
        else:
            checked = checked_link_or_empty(url)
            if not checked:
                return None
            entity.update(type="text_link", url=checked)
    elif name == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and (last["offset"], last["length"]) == (offset, length)
            and last.get("language")
        ):
            last["type"] = "pre"
            return None
        entity["type"] = "pre"
    elif name == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and (last["offset"], last["length"]) == (offset, length)
            and tag.argument
        ):
            last["language"] = tag.argument
            return None
        entity["type"] = "code"
        if tag.argument:
            entity["language"] = tag.argument  # cleared below unless it became a pre block
    else:  # blockquote
        entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
    return entity


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for Telegram-HTML `source`, or raise a 400 BotApiError."""
    try:
        return _parse_html(source)
    except EntityParseError as exc:
        raise BotApiError(400, f"Bad Request: can't parse entities: {exc}") from exc


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    def at(index: int) -> str:
        return text[index] if index < len(text) else "\0"

    def offset_of(index: int) -> int:
        return byte_offset(text, index)

    out: list[str] = []
    utf16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    recheck_utf8 = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            code, after = decode_html_entity(text, i)
            if code:
                out.append(chr(code))
                utf16 += 1 + (code > 0xFFFF)
                recheck_utf8 = recheck_utf8 or 0xD800 <= code <= 0xDFFF
                i = after
                continue
        if char != "<":
            out.append(char)
            utf16 += 1 + (ord(char) > 0xFFFF)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while at(i) not in SPACES and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {offset_of(begin)}")
            tag = _ascii_lower(text[begin + 1 : i])
            if tag not in TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {offset_of(begin)}'
                )
            argument, date = "", 0
            while at(i) != ">":
                while at(i) != "\0" and at(i) in SPACES:
                    i += 1
                if at(i) == ">":
                    break
                name_begin = i
                while at(i) not in SPACES and at(i) not in "=>/\"'":
                    i += 1
                attribute = text[name_begin:i]
                if not attribute:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {offset_of(begin)}'
                    )
                while at(i) != "\0" and at(i) in SPACES:
                    i += 1
                if at(i) != "=":
                    if at(i) == "\0":
                        raise EntityParseError(
                            f'Unclosed start tag "{tag}" at byte offset {offset_of(begin)}'
                        )
                    if tag == "blockquote" and attribute == "expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != "\0" and at(i) in SPACES:
                    i += 1
                if at(i) == "\0":
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {offset_of(begin)}'
                    )
                if at(i) not in "'\"":
                    token_begin = i
                    while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                        i += 1
                    value = _ascii_lower(text[token_begin:i])
                    if at(i) not in SPACES and at(i) != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {offset_of(token_begin)}"
                        )
                else:
                    quote = text[i]
                    i += 1
                    chars: list[str] = []
                    while at(i) != quote and at(i) != "\0":
                        if text[i] == "&":
                            code, after = decode_html_entity(text, i)
                            if code:
                                chars.append(chr(code))
                                i = after
                                continue
                        chars.append(text[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(chars)
                if at(i) == "\0":
                    raise EntityParseError(f"Unclosed start tag at byte offset {offset_of(begin)}")
                if tag == "a" and attribute == "href":
                    argument = value
                elif tag == "code" and attribute == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and attribute == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attribute == "expandable":
                    argument = "1"
                elif tag == "tg-time" and attribute == "unix":
                    date = to_integer(value, 32)
                elif tag == "tg-time" and attribute == "format":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset_of(begin)}'
                )
            stack.append(_Open(tag, argument, date, utf16, len(out)))
            i += 1  # past ">"
            continue
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {offset_of(begin)}")
        while at(i) not in SPACES and at(i) != ">":
            i += 1
        end_tag = _ascii_lower(text[begin + 2 : i])
        while at(i) != "\0" and at(i) in SPACES:
            i += 1
        if at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {offset_of(begin)}")
        open_tag = stack[-1]
        if end_tag and end_tag != open_tag.tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {offset_of(begin)}, "
                f'expected "</{open_tag.tag}>", found "</{end_tag}>"'
            )
        if utf16 > open_tag.offset:
            entity = _closed_entity(open_tag, utf16, out, entities)
            if entity is not None:
                entities.append(entity)
        stack.pop()
        i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    result = "".join(out)
    if recheck_utf8 and not is_utf8(result):
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    return result, sort_entities(entities)
