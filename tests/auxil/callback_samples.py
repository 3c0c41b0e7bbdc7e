"""One button of every registered callback kind, its ids set to a number the test chooses."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Union

import handlers  # noqa: F401  (importing the handlers registers every feature's kinds)
from bot.domain.callbacks import encode, registered_kinds


def _value(annotation: Any, number: int, last: bool = False) -> object:
    if annotation is bool:
        return True
    if annotation is int:
        return number
    if annotation is str:
        return "a"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        return number
    if origin is Literal:
        return args[-1] if last else args[0]
    raise TypeError(f"no sample for {annotation!r}")


def sample(kind: type, number: int, *, last: bool = False) -> object:
    """A value of `kind` whose every int field is `number` (literals: the first, or the last)."""
    hints = typing.get_type_hints(kind)
    fields = {f.name: _value(hints[f.name], number, last) for f in dataclasses.fields(kind)}
    return kind(**fields)


def forged_presses(numbers: range) -> list[str]:
    """Every kind with every id in `numbers`, and each literal's last choice too (deduplicated)."""
    data = {
        encode(sample(kind, number, last=last))
        for kind in registered_kinds().values()
        for number in numbers
        for last in (False, True)
    }
    return sorted(data)


def every_kind_data(number: int) -> dict[str, str]:
    """The encoded data of one button of every kind, by prefix."""
    return {prefix: encode(sample(kind, number)) for prefix, kind in registered_kinds().items()}
