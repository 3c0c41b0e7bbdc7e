"""The one codec for inline-button callback data: small typed values <-> short versioned strings.

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
from bot.domain.rankings import TopBoard

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


# --- The callback kinds. Pages are 0-based; a str field "" for a vertical means "all". ---

ItemSource = Literal["window", "feed", "top", "favs", "cart", "push", "share", "digest"]
FollowSource = Literal["link", "card", "window", "push", "top", "browse", "feed", "share"]
AdminTarget = Literal["expert", "merchant", "item", "report", "fan"]
SettingName = Literal["lang", "mode", "quiet", "cap", "digest", "consent"]
SettingsSection = Literal["main", "lang", "mode", "quiet", "cap", "digest", "consent"]
ReportReason = Literal["", "fake", "misleading", "offensive", "spam", "other"]


@callback("noop")
@dataclass(frozen=True)
class Noop:
    """A button that does nothing but answer (page counters, separators)."""


@callback("win")
@dataclass(frozen=True)
class WindowPage:
    """Show page `page` of an expert's window."""

    expert_id: int
    page: int


@callback("item")
@dataclass(frozen=True)
class ItemDetail:
    """Show an item's card (new from a list, in place of its details); `source` says which screen
    the fan came from."""

    item_id: int
    source: ItemSource


@callback("more")
@dataclass(frozen=True)
class ItemMore:
    """Turn an item card into its details; `page` is the window page to go back to (None: the
    card opened from `source`)."""

    item_id: int
    source: ItemSource
    page: int | None


@callback("fav")
@dataclass(frozen=True)
class FavouriteToggle:
    """Add the item to the fan's favourites, or remove it if it is there."""

    item_id: int


@callback("favp")
@dataclass(frozen=True)
class FavouritesPage:
    """Show page `page` of the fan's favourites."""

    page: int


@callback("cadd")
@dataclass(frozen=True)
class CartAdd:
    """Put one more of the item in the fan's cart."""

    item_id: int


@callback("crm")
@dataclass(frozen=True)
class CartRemove:
    """Take the item out of the fan's cart."""

    item_id: int


@callback("cqty")
@dataclass(frozen=True)
class CartSetQuantity:
    """Set the item's quantity in the cart (0 removes it)."""

    item_id: int
    quantity: int


@callback("cart")
@dataclass(frozen=True)
class CartPage:
    """Show page `page` of the fan's cart."""

    page: int


@callback("fol")
@dataclass(frozen=True)
class Follow:
    """Follow the expert; `source` is recorded for reports."""

    expert_id: int
    source: FollowSource


@callback("unf")
@dataclass(frozen=True)
class Unfollow:
    """Stop following the expert; `source` says where the button was."""

    expert_id: int
    source: FollowSource


@callback("folp")
@dataclass(frozen=True)
class FollowingPage:
    """Show page `page` of the experts the fan follows."""

    page: int


@callback("mute")
@dataclass(frozen=True)
class MuteToggle:
    """Mute the expert's pushes, or unmute them."""

    expert_id: int


@callback("card")
@dataclass(frozen=True)
class ExpertCard:
    """Show an expert's card (profile, Follow and Window buttons)."""

    expert_id: int


@callback("exp")
@dataclass(frozen=True)
class ExpertsBrowse:
    """Show page `page` of verified experts in `vertical` ("" for all)."""

    vertical: str
    page: int


@callback("into")
@dataclass(frozen=True)
class InterestsOpen:
    """Show the tags of `vertical` ("" for the list of verticals) on the interests screen."""

    vertical: str
    onboarding: bool


@callback("int")
@dataclass(frozen=True)
class InterestToggle:
    """Add or remove an interest tag; `onboarding` keeps the first-run screen's buttons."""

    tag: str
    onboarding: bool


@callback("intok")
@dataclass(frozen=True)
class InterestsDone:
    """Close the interests screen (and finish onboarding if `onboarding`)."""

    onboarding: bool


@callback("seto")
@dataclass(frozen=True)
class SettingsOpen:
    """Show a settings screen."""

    section: SettingsSection


@callback("set")
@dataclass(frozen=True)
class SettingChange:
    """Change one setting; `value` is parsed by the rules for that setting (push_rules)."""

    setting: SettingName
    value: str


@callback("feed")
@dataclass(frozen=True)
class FeedPage:
    """Show page `page` of the fan's /foryou feed."""

    page: int


@callback("top")
@dataclass(frozen=True)
class TopPage:
    """Show page `page` of a ranking board in `vertical` ("" for all)."""

    vertical: str
    board: TopBoard
    page: int


ReserveSource = Literal[
    "window", "feed", "top", "favs", "cart", "push", "share", "digest", "card", "unknown"
]
_RESERVE_BEFORE_SOURCE = re.compile(rf"{CALLBACK_VERSION}:rsv:(0|[1-9][0-9]{{0,15}})")


@callback("rsv")
@dataclass(frozen=True)
class ReservePresale:
    """Reserve a pre-sale item: remind the fan when it opens; `source` is where it was pressed.

    "card" is an item card that did not say which screen it was on; "unknown" is a button sent
    before the source was carried (see `decode_reserve`).
    """

    item_id: int
    source: ReserveSource = "card"


def decode_reserve(data: object) -> ReservePresale:
    """A ReservePresale press, including buttons sent before the source was carried.

    Those read ``"1:rsv:<item id>"`` and decode with source "unknown", so a pre-sale card sent
    days before an upgrade still reserves. Anything else raises DomainError("callback.*").
    """
    if isinstance(data, str):
        old = _RESERVE_BEFORE_SOURCE.fullmatch(data)
        if old is not None and int(old.group(1)) <= MAX_CALLBACK_INT:
            return ReservePresale(int(old.group(1)), "unknown")
    return decode_as(ReservePresale, data)


@callback("rep")
@dataclass(frozen=True)
class ReportItem:
    """Report an item to admins; an empty `reason` asks the fan to pick one."""

    item_id: int
    reason: ReportReason


@callback("fgtok")
@dataclass(frozen=True)
class ForgetConfirm:
    """Confirm /forget; `issued_at` (Unix seconds) lets handlers refuse stale confirmations."""

    issued_at: int


@callback("fgtno")
@dataclass(frozen=True)
class ForgetCancel:
    """Cancel /forget."""


@callback("aok")
@dataclass(frozen=True)
class AdminApprove:
    """An admin approves the target (verifies an expert or merchant, upholds a report)."""

    kind: AdminTarget
    target_id: int


@callback("ano")
@dataclass(frozen=True)
class AdminReject:
    """An admin rejects the target (an application, or dismisses a report)."""

    kind: AdminTarget
    target_id: int


@callback("asus")
@dataclass(frozen=True)
class AdminSuspend:
    """An admin suspends the target account or item."""

    kind: AdminTarget
    target_id: int


@callback("cpau")
@dataclass(frozen=True)
class CampaignPause:
    """Pause a campaign."""

    campaign_id: int


@callback("cres")
@dataclass(frozen=True)
class CampaignResume:
    """Resume a paused campaign."""

    campaign_id: int


@callback("ccan")
@dataclass(frozen=True)
class CampaignCancel:
    """Cancel a campaign; the first press asks, the press with `confirmed` cancels."""

    campaign_id: int
    confirmed: bool
