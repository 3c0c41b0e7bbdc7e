"""Message entities as td counts and orders them, shared by the parse modes (HTML, Markdown,
MarkdownV2) and the formatter: UTF-16 lengths, UTF-8 byte offsets for error messages, td's sort
order of entities, and the error a parse mode raises for text td refuses.
"""

from __future__ import annotations

from typing import Any

SPACES = " \t\r\n\0\v"  # td::is_space
DATE_FORMAT_CHARS = frozenset("tTdDwW")
# Sort order of entity types at the same offset and length (td's get_entity_type_priority).
TYPE_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "bank_card_number": 50,
    "spoiler": 94,
    "custom_emoji": 99,
    "expandable_blockquote": 0,
    "date_time": 30,
}


class EntityParseError(Exception):
    """A parse_mode text td refuses; the message is td's, without "Can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, the unit entity offsets count in."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def byte_offset(text: str, index: int) -> int:
    """Return the UTF-8 byte offset of `text[index]` (td reports positions in bytes)."""
    return len(text[:index].encode("utf-8", "surrogatepass"))


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort like td: by offset, longer first, then by type priority."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], type_priority(e)))


def type_priority(entity: dict[str, Any]) -> int:
    """Return td's priority of an entity's type (a pre block with a language comes first)."""
    if entity["type"] == "pre" and entity.get("language"):
        return 10
    return TYPE_PRIORITY.get(entity["type"], 50)


def utf16_units(char: str) -> int:
    """Return how many UTF-16 code units one character takes (2 outside the BMP)."""
    return 1 + (ord(char) > 0xFFFF)
