"""JSON the way the Bot API server reads it (td's JsonBuilder), not the way Python's json does.

The differences matter for strictness: td keeps numbers as their text (a "1.0" is not an integer),
lets any escaped character stand for itself, accepts raw control characters in strings, keeps the
first of two equal keys, refuses NaN/Infinity, and nests at most 100 levels. A lone UTF-16
surrogate escape ("\\ud800") is decoded to a lone surrogate code point here, standing for the
invalid UTF-8 td produces; `is_utf8` then says no, as td's check_utf8 does.

Decoded values: None (null), bool, `Number` (a str subclass holding the number's text), str, list,
and dict (first occurrence of a key wins).
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 100
WHITESPACE = " \t\r\n"
NUMBER_CHARS = frozenset("-0123456789eE+.")
# base64url's alphabet (RFC 4648), in its order: start parameters, secret tokens, file ids.
BASE64URL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class Number(str):
    """A JSON number, kept as its text like td's JsonValue does."""

    __slots__ = ()


class JsonError(Exception):
    """A JSON text td would not accept; the message is td's."""


def is_utf8(text: str) -> bool:
    """Say whether `text` would be valid UTF-8 in td (no lone surrogates, no undecodable bytes)."""
    return not any("\ud800" <= char <= "\udfff" for char in text)


def type_name(value: Any) -> str:
    """Return td's name of a decoded value's JSON type."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, Number):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def _hex(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - 48
    lowered = char.lower()
    if "a" <= lowered <= "f":
        return ord(lowered) - 87
    return 16


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else "\0"

    def skip_whitespace(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in WHITESPACE:
            self.pos += 1

    def try_skip(self, token: str) -> bool:
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def empty(self) -> bool:
        return self.pos >= len(self.text)

    def string(self) -> str:
        if not self.try_skip('"'):
            raise JsonError("Opening '\"' expected")
        out: list[str] = []
        text, end = self.text, len(self.text)
        while True:
            if self.pos >= end:
                raise JsonError("Closing '\"' not found")
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(out)
            if char != "\\":
                out.append(char)
                self.pos += 1
                continue
            self.pos += 1
            if self.pos >= end:
                raise JsonError("Closing '\"' not found")
            escaped = text[self.pos]
            if escaped != "u":
                out.append(_SIMPLE_ESCAPES.get(escaped, escaped))
                self.pos += 1
                continue
            self.pos += 1
            code = self._hex4()
            if 0xD7FF < code < 0xE000 and text.startswith("\\u", self.pos) and self.pos + 6 <= end:
                saved = self.pos
                self.pos += 2
                second = self._hex4()
                if 0xD7FF < second < 0xE000:
                    code = (((code & 0x3FF) << 10) | (second & 0x3FF)) + 0x10000
                else:
                    self.pos = saved
            out.append(chr(code))

    def _hex4(self) -> int:
        if self.pos + 4 > len(self.text):
            raise JsonError("\\u has less than 4 symbols")
        code = 0
        for char in self.text[self.pos : self.pos + 4]:
            digit = _hex(char)
            if digit == 16:
                raise JsonError("Invalid \\u -- not hex digit")
            code = code * 16 + digit
        self.pos += 4
        return code

    def number(self) -> Number:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in NUMBER_CHARS:
            self.pos += 1
        return Number(self.text[start : self.pos])

    def value(self, depth: int) -> Any:
        if depth < 0:
            raise JsonError("Too big object depth")
        self.skip_whitespace()
        char = self.peek()
        if char == "f":
            if self.try_skip("false"):
                return False
            raise JsonError("Token starts with 'f' -- false expected")
        if char == "t":
            if self.try_skip("true"):
                return True
            raise JsonError("Token starts with 't' -- true expected")
        if char == "n":
            if self.try_skip("null"):
                return None
            raise JsonError("Token starts with 'n' -- null expected")
        if char == '"':
            return self.string()
        if char == "[":
            return self._array(depth)
        if char == "{":
            return self._object(depth)
        if char in NUMBER_CHARS:
            return self.number()
        if char == "\0" and self.empty():
            raise JsonError("Unexpected string end")
        if 0 < ord(char) < 127:
            raise JsonError(f"Unexpected symbol '{char}'")
        raise JsonError("Unexpected symbol")

    def _array(self, depth: int) -> list[Any]:
        self.pos += 1
        self.skip_whitespace()
        items: list[Any] = []
        if self.try_skip("]"):
            return items
        while True:
            if self.empty():
                raise JsonError("Unexpected string end")
            items.append(self.value(depth - 1))
            self.skip_whitespace()
            if self.try_skip("]"):
                return items
            if self.try_skip(","):
                self.skip_whitespace()
                continue
            if self.empty():
                raise JsonError("Unexpected string end")
            raise JsonError("Unexpected symbol while parsing JSON Array")

    def _object(self, depth: int) -> dict[str, Any]:
        self.pos += 1
        self.skip_whitespace()
        fields: dict[str, Any] = {}
        if self.try_skip("}"):
            return fields
        while True:
            if self.empty():
                raise JsonError("Unexpected string end")
            key = self.string()
            self.skip_whitespace()
            if not self.try_skip(":"):
                raise JsonError("':' expected")
            value = self.value(depth - 1)
            fields.setdefault(key, value)  # td's getters find the first field of a name
            self.skip_whitespace()
            if self.try_skip("}"):
                return fields
            if self.try_skip(","):
                self.skip_whitespace()
                continue
            if self.empty():
                raise JsonError("Unexpected string end")
            raise JsonError("Unexpected symbol while parsing JSON Object")


def decode(text: str) -> Any:
    """Decode a whole JSON text as td's json_decode does, or raise JsonError."""
    parser = _Parser(text)
    value = parser.value(MAX_DEPTH)
    parser.skip_whitespace()
    if not parser.empty():
        raise JsonError("Expected string end")
    return value


def body_parameters(text: str) -> list[tuple[str, str]]:
    """Return the parameters of a JSON request body as the server's HTTP reader takes them.

    Each top-level field becomes a parameter: strings decoded, any other value kept as its JSON
    text (so `{"reply_markup": {}}` and `{"reply_markup": "{}"}` both give the text `{}`). A body
    that stops parsing keeps the parameters read before the error, as the server does (it only
    logs the error). A bare JSON string body becomes the parameter "content".
    """
    parser = _Parser(text)
    parser.skip_whitespace()
    result: list[tuple[str, str]] = []
    try:
        if parser.peek() == '"':
            value = parser.string()
            if parser.empty():
                result.append(("content", value))
            return result
        if not parser.try_skip("{"):
            return result
        while True:
            parser.skip_whitespace()
            if parser.try_skip("}"):
                return result
            if parser.empty():
                return result
            key = parser.string()
            parser.skip_whitespace()
            if not parser.try_skip(":"):
                return result
            parser.skip_whitespace()
            if parser.peek() == '"':
                raw = parser.string()
            else:
                start = parser.pos
                parser.value(MAX_DEPTH)
                raw = text[start : parser.pos]
            result.append((key, raw))
            parser.skip_whitespace()
            if parser.peek() != "}" and not parser.try_skip(","):
                return result
    except JsonError:
        return result


# Field access with td's JsonObject rules and error texts ("Field "x" must be of type String").


def has_field(obj: dict[str, Any], name: str) -> bool:
    """Say whether the object has the field (a null counts, as in td)."""
    return name in obj


def opt_field(obj: dict[str, Any], name: str, kind: str | None = None) -> Any:
    """Return an optional field of JSON type `kind` ("Array", "Object"...); absent -> None."""
    if name not in obj:
        return None
    value = obj[name]
    if kind is not None and type_name(value) != kind:
        raise JsonError(f'Field "{name}" must be of type {kind}')
    return value


def req_field(obj: dict[str, Any], name: str, kind: str | None = None) -> Any:
    """Return a required field of JSON type `kind`."""
    if name not in obj:
        raise JsonError(f'Can\'t find field "{name}"')
    return opt_field(obj, name, kind)


def opt_str(obj: dict[str, Any], name: str, default: str = "") -> str:
    """Return an optional String field (a Number is taken as its text)."""
    if name not in obj:
        return default
    value = obj[name]
    if isinstance(value, str):  # a Number is a str too, as td's getter allows
        return str(value)
    raise JsonError(f'Field "{name}" must be of type String')


def req_str(obj: dict[str, Any], name: str) -> str:
    """Return a required String field."""
    if name not in obj:
        raise JsonError(f'Can\'t find field "{name}"')
    return opt_str(obj, name)


def opt_bool(obj: dict[str, Any], name: str, default: bool = False) -> bool:
    """Return an optional Boolean field (only true/false count)."""
    if name not in obj:
        return default
    value = obj[name]
    if isinstance(value, bool):
        return value
    raise JsonError(f'Field "{name}" must be of type Boolean')


def _integer_field(obj: dict[str, Any], name: str, bits: int) -> int:
    value = obj[name]
    if isinstance(value, str) and not isinstance(value, bool):
        parsed = to_integer_safe(str(value), bits)
        if parsed is None:
            raise JsonError(f'Field "{name}" must be a valid Number')
        return parsed
    raise JsonError(f'Field "{name}" must be a Number')


def opt_int(obj: dict[str, Any], name: str, default: int = 0, bits: int = 32) -> int:
    """Return an optional integer field (a Number or a String holding exactly an integer)."""
    if name not in obj:
        return default
    return _integer_field(obj, name, bits)


def req_int(obj: dict[str, Any], name: str, bits: int = 32) -> int:
    """Return a required integer field."""
    if name not in obj:
        raise JsonError(f'Can\'t find field "{name}"')
    return _integer_field(obj, name, bits)


# td's integer parsing: a lenient prefix parser (to_integer) and an exact one (to_integer_safe).


def to_integer(text: str, bits: int = 32) -> int:
    """Parse like td::to_integer: optional '-', then leading digits; the rest is ignored.

    Overflow wraps the way td's unsigned arithmetic does, so "abc" is 0 and "12x" is 12.
    """
    modulus = 1 << bits
    maximum = (1 << (bits - 1)) - 1
    negative = text.startswith("-")
    value = 0
    for char in text[1:] if negative else text:
        if not "0" <= char <= "9":
            break
        value = (value * 10 + ord(char) - 48) % modulus
    if value > maximum:
        value = (modulus - value) % modulus
        negative = not negative
        if value > maximum:
            return -(1 << (bits - 1))
    return -value if negative else value


def to_integer_safe(text: str, bits: int = 32) -> int | None:
    """Parse like td::to_integer_safe: the text must be exactly the number's canonical form."""
    value = to_integer(text, bits)
    return value if str(value) == text else None
