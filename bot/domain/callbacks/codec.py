"""The callback codec: small typed values <-> short versioned strings, and the kinds registry.

Wire format: ``"<version>:<prefix>:<field>:<field>..."``, e.g. ``"1:fav:42"``; a kind without
fields encodes as ``"1:noop:"`` so that ``callback_pattern`` (``^1:<prefix>:``) never matches a
longer prefix. Field encodings (every value has exactly one accepted spelling):

- ``int``: ``0`` or ``[1-9][0-9]*``, at most ``MAX_CALLBACK_INT`` (no signs, no leading zeros);
- ``str``: ``[A-Za-z0-9_-]{0,32}``;
- ``bool``: ``"0"`` or ``"1"``;
- ``int | None``: ``""`` for None, else as ``int``;
- ``Literal["a", "b"]``: one of the listed strings.

Registration computes the longest possible encoding of each kind and refuses kinds that could
exceed Telegram's 64-byte limit, so ``encode`` cannot fail for valid values. ``decode`` raises
``DomainError`` with code ``callback.malformed``, ``callback.unknown`` or ``callback.version``
(old buttons after a format change) and never anything else. Decoding proves only the shape:
handlers still check that the presser owns what the data names.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union

from bot.domain.errors import DomainError

CALLBACK_VERSION = 1
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
MAX_CALLBACK_INT = 2**53 - 1  # ids stay exact in every JSON client
MAX_STR_CHARS = 32

_PREFIX = re.compile(r"[a-z]{1,6}")
_INT = re.compile(r"0|[1-9][0-9]{0,15}")
_STR = re.compile(r"[A-Za-z0-9_-]{0,32}")
_VERSION = re.compile(r"0|[1-9][0-9]{0,5}")

T = TypeVar("T")


@dataclass(frozen=True)
class _Field:
    """How one dataclass field is written: its name, kind and (for literals) allowed values."""

    name: str
    kind: Literal["int", "str", "bool", "optint", "literal"]
    choices: tuple[str, ...] = ()

    def max_chars(self) -> int:
        """The longest encoding this field can have."""
        if self.kind in ("int", "optint"):
            return len(str(MAX_CALLBACK_INT))
        if self.kind == "bool":
            return 1
        if self.kind == "literal":
            return max(len(choice) for choice in self.choices)
        return MAX_STR_CHARS


_KINDS_BY_PREFIX: dict[str, type] = {}
_PREFIX_BY_KIND: dict[type, str] = {}
_FIELDS_BY_KIND: dict[type, tuple[_Field, ...]] = {}


def _field_of(name: str, annotation: Any) -> _Field:
    """Classify one annotation, refusing types the wire format cannot carry."""
    if annotation is bool:
        return _Field(name, "bool")
    if annotation is int:
        return _Field(name, "int")
    if annotation is str:
        return _Field(name, "str")
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType) and set(args) == {int, type(None)}:
        return _Field(name, "optint")
    if origin is Literal and args and all(isinstance(a, str) and _STR.fullmatch(a) for a in args):
        return _Field(name, "literal", tuple(args))
    raise TypeError(f"callback field {name!r} has unsupported type {annotation!r}")


def callback(prefix: str) -> typing.Callable[[type[T]], type[T]]:
    """Register a frozen dataclass as a callback kind under `prefix` (unique, ``[a-z]{1,6}``)."""

    def register(cls: type[T]) -> type[T]:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"callback prefix {prefix!r} must match [a-z]{{1,6}}")
        if prefix in _KINDS_BY_PREFIX:
            raise ValueError(f"callback prefix {prefix!r} is already used")
        params = vars(cls).get("__dataclass_params__")  # set by @dataclass on the class itself
        if not dataclasses.is_dataclass(cls) or params is None or not params.frozen:
            raise TypeError(f"{cls.__name__} must be a frozen dataclass")
        hints = typing.get_type_hints(cls)
        fields = tuple(_field_of(f.name, hints[f.name]) for f in dataclasses.fields(cls))
        longest = len(f"{CALLBACK_VERSION}:{prefix}:") + sum(f.max_chars() for f in fields)
        longest += max(len(fields) - 1, 0)
        if longest > MAX_CALLBACK_BYTES:
            raise ValueError(f"{cls.__name__} could encode to {longest} bytes (> 64)")
        _KINDS_BY_PREFIX[prefix] = cls
        _PREFIX_BY_KIND[cls] = prefix
        _FIELDS_BY_KIND[cls] = fields
        return cls

    return register


def registered_kinds() -> dict[str, type]:
    """Every registered callback kind by prefix (a copy)."""
    return dict(_KINDS_BY_PREFIX)


def prefix_of(kind: type) -> str:
    """The prefix `kind` was registered under."""
    try:
        return _PREFIX_BY_KIND[kind]
    except KeyError:
        raise TypeError(f"{kind!r} is not a registered callback kind") from None


def callback_pattern(kind: type) -> str:
    """A regex for PTB's ``CallbackQueryHandler(pattern=...)`` matching this kind's data."""
    return f"^{CALLBACK_VERSION}:{re.escape(prefix_of(kind))}:"


def _encode_field(spec: _Field, value: object) -> str:
    """Write one field, refusing values outside what decode would accept."""
    if spec.kind == "bool" and type(value) is bool:
        return "1" if value else "0"
    if spec.kind == "optint" and value is None:
        return ""
    if spec.kind in ("int", "optint") and type(value) is int and 0 <= value <= MAX_CALLBACK_INT:
        return str(value)
    if spec.kind == "str" and isinstance(value, str) and _STR.fullmatch(value):
        return value
    if spec.kind == "literal" and isinstance(value, str) and value in spec.choices:
        return value
    raise ValueError(f"callback field {spec.name!r} cannot carry {value!r}")


def encode(value: object) -> str:
    """Encode a registered callback value; ValueError if a field is out of range."""
    kind = type(value)
    fields = _FIELDS_BY_KIND.get(kind)
    if fields is None:
        raise TypeError(f"{kind!r} is not a registered callback kind")
    parts = [_encode_field(spec, getattr(value, spec.name)) for spec in fields]
    data = f"{CALLBACK_VERSION}:{_PREFIX_BY_KIND[kind]}:" + ":".join(parts)
    # Registration bounds the length already; this guards the bound itself.
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} exceeds {MAX_CALLBACK_BYTES} bytes")
    return data


def _decode_field(spec: _Field, text: str, prefix: str) -> object:
    """Read one field, accepting only its canonical spelling."""
    if spec.kind == "bool" and text in ("0", "1"):
        return text == "1"
    if spec.kind == "optint" and text == "":
        return None
    if spec.kind in ("int", "optint") and _INT.fullmatch(text):
        number = int(text)
        if number <= MAX_CALLBACK_INT:
            return number
    if spec.kind == "str" and _STR.fullmatch(text):
        return text
    if spec.kind == "literal" and text in spec.choices:
        return text
    raise DomainError("callback.malformed", prefix=prefix, field=spec.name)


def decode(data: object) -> object:
    """Decode callback data into its registered value, or raise DomainError("callback.*")."""
    if not isinstance(data, str) or not data:
        raise DomainError("callback.malformed", reason="empty")
    if len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        raise DomainError("callback.malformed", reason="too_long")
    version, sep, rest = data.partition(":")
    if not sep or not _VERSION.fullmatch(version):
        raise DomainError("callback.malformed", reason="no_version")
    if int(version) != CALLBACK_VERSION:
        raise DomainError("callback.version", version=int(version))
    prefix, sep, payload = rest.partition(":")
    if not sep or not _PREFIX.fullmatch(prefix):
        raise DomainError("callback.malformed", reason="no_prefix")
    kind = _KINDS_BY_PREFIX.get(prefix)
    if kind is None:
        raise DomainError("callback.unknown", prefix=prefix)
    fields = _FIELDS_BY_KIND[kind]
    texts = payload.split(":") if fields else ([] if payload == "" else [payload])
    if len(texts) != len(fields):
        raise DomainError("callback.malformed", prefix=prefix, reason="field_count")
    values = {
        spec.name: _decode_field(spec, text, prefix)
        for spec, text in zip(fields, texts, strict=False)
    }
    return kind(**values)


def decode_as(kind: type[T], data: object) -> T:
    """Decode `data` and require it to be a `kind`; DomainError("callback.unknown") otherwise."""
    value = decode(data)
    if not isinstance(value, kind):
        raise DomainError("callback.unknown", prefix=_PREFIX_BY_KIND[type(value)])
    return value
