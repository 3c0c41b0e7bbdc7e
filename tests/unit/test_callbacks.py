"""The callback-data codec: round-trips for every kind, and refusal of forged or stale data."""

from __future__ import annotations

import dataclasses
import random
import re
import typing
from dataclasses import dataclass

import pytest

from bot.domain import callbacks
from bot.domain.callbacks import (
    MAX_CALLBACK_INT,
    CampaignCancel,
    ExpertsBrowse,
    FavouriteToggle,
    InterestToggle,
    ItemDetail,
    Noop,
    SettingChange,
    TopPage,
    WindowPage,
    callback,
    callback_pattern,
    decode,
    decode_as,
    encode,
    registered_kinds,
)
from bot.domain.errors import DomainError
from bot.domain.verticals import VERTICALS, all_tag_keys, get_tag, vertical_of_tag

STR_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def random_value(annotation: object, rng: random.Random) -> object:
    """A random valid value for a field annotation, favouring the edges."""
    if annotation is bool:
        return rng.choice([True, False])
    if annotation is int:
        return rng.choice([0, 1, 9, 10, MAX_CALLBACK_INT, rng.randrange(MAX_CALLBACK_INT)])
    if annotation is str:
        return "".join(rng.choice(STR_ALPHABET) for _ in range(rng.choice([0, 1, 7, 32])))
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return rng.choice(args)
    if set(args) == {int, type(None)}:
        return rng.choice([None, 0, MAX_CALLBACK_INT, rng.randrange(1000)])
    raise AssertionError(f"test does not know how to build {annotation!r}")


def random_instance(kind: type, rng: random.Random) -> object:
    """A random valid instance of a callback kind."""
    hints = typing.get_type_hints(kind)
    values = {f.name: random_value(hints[f.name], rng) for f in dataclasses.fields(kind)}
    return kind(**values)


def test_the_documented_example() -> None:
    assert encode(FavouriteToggle(42)) == "1:fav:42"
    assert decode("1:fav:42") == FavouriteToggle(item_id=42)


def test_kinds_needed_by_the_screens_are_registered() -> None:
    kinds = set(registered_kinds().values())
    for name in [
        "WindowPage",
        "ItemDetail",
        "FavouriteToggle",
        "CartAdd",
        "CartRemove",
        "CartSetQuantity",
        "Follow",
        "Unfollow",
        "MuteToggle",
        "InterestToggle",
        "SettingChange",
        "FeedPage",
        "TopPage",
        "ReservePresale",
        "ReportItem",
        "ForgetConfirm",
        "ForgetCancel",
        "ExpertsBrowse",
        "AdminApprove",
        "AdminReject",
        "AdminSuspend",
        "CampaignPause",
        "CampaignResume",
        "CampaignCancel",
        "Noop",
    ]:
        assert getattr(callbacks, name) in kinds, name


@pytest.mark.parametrize("kind", [kind for _, kind in sorted(registered_kinds().items())])
def test_every_kind_round_trips_random_values(kind: type) -> None:
    rng = random.Random(kind.__name__)
    for _ in range(300):
        value = random_instance(kind, rng)
        data = encode(value)
        assert len(data.encode("utf-8")) <= 64
        assert re.match(callback_pattern(kind), data)
        assert decode(data) == value
        assert decode_as(kind, data) == value


def test_patterns_do_not_match_other_kinds_with_a_longer_prefix() -> None:
    # "fav" must not catch "favp" (favourites page), nor "int" catch "into"/"intok".
    kinds = registered_kinds()
    rng = random.Random(7)
    for kind in kinds.values():
        pattern = re.compile(callback_pattern(kind))
        for other in kinds.values():
            data = encode(random_instance(other, rng))
            assert bool(pattern.match(data)) == (other is kind), (kind, other)


def test_fieldless_kind_encodes_with_trailing_colon() -> None:
    assert encode(Noop()) == "1:noop:"
    assert decode("1:noop:") == Noop()
    with pytest.raises(DomainError) as caught:
        decode("1:noop")
    assert caught.value.code == "callback.malformed"
    with pytest.raises(DomainError):
        decode("1:noop:x")


def test_several_field_types_in_one_value() -> None:
    assert encode(TopPage("", "hot7d", 3)) == "1:top::hot7d:3"
    assert encode(CampaignCancel(5, True)) == "1:ccan:5:1"
    assert decode("1:ccan:5:0") == CampaignCancel(5, False)
    assert decode("1:int:skincare:1") == InterestToggle("skincare", True)
    assert decode("1:set:quiet:2200-0800") == SettingChange("quiet", "2200-0800")


@pytest.mark.parametrize(
    "data",
    [
        "1:fav:042",  # leading zero
        "1:fav:+4",
        "1:fav:-4",
        "1:fav:4.0",
        "1:fav: 4",
        "1:fav:4 ",
        "1:fav:",  # empty int
        "1:fav:٤",  # a non-ASCII digit
        "1:fav:9007199254740992",  # 2**53
        "1:fav:99999999999999999999",
        "1:fav:42:1",  # one field too many
        "1:win:1",  # one field too few
        "1:ccan:5:2",  # bool must be 0 or 1
        "1:ccan:5:true",
        "1:item:4:nowhere",  # not one of the literal's values
        "1:top::hot7d:3:",
        "1:int:skin care:1",  # space in a str field
        "1:int:" + "a" * 33 + ":1",  # str too long
        "1:int:护肤:1",
        "1:FAV:42",  # prefix case
        "fav:42",
        "1fav42",
        "",
        ":fav:42",
        "01:fav:42",
        "x:fav:42",
        "1:" + "f" * 70,  # over 64 bytes
        "1:int:" + "é" * 29 + ":1",  # under 64 chars but over 64 bytes
    ],
)
def test_forged_data_is_malformed(data: str) -> None:
    with pytest.raises(DomainError) as caught:
        decode(data)
    assert caught.value.code == "callback.malformed"


def test_non_string_data_is_malformed() -> None:
    for data in (None, 42, b"1:fav:42"):
        with pytest.raises(DomainError) as caught:
            decode(data)
        assert caught.value.code == "callback.malformed"


def test_unknown_prefix_and_old_versions() -> None:
    with pytest.raises(DomainError) as caught:
        decode("1:zzz:42")
    assert caught.value.code == "callback.unknown"
    assert caught.value.params["prefix"] == "zzz"
    for old in ("0:fav:42", "2:fav:42"):
        with pytest.raises(DomainError) as caught:
            decode(old)
        assert caught.value.code == "callback.version"


def test_decode_as_refuses_another_kind() -> None:
    with pytest.raises(DomainError) as caught:
        decode_as(WindowPage, "1:fav:42")
    assert caught.value.code == "callback.unknown"


@pytest.mark.parametrize(
    "value",
    [
        FavouriteToggle(-1),
        FavouriteToggle(MAX_CALLBACK_INT + 1),
        FavouriteToggle(True),  # bool is an int in Python, not on the wire
        InterestToggle("skin:care", False),
        InterestToggle("a" * 33, False),
        ItemDetail(1, "nowhere"),  # type: ignore[arg-type]
        CampaignCancel(1, 1),  # type: ignore[arg-type]
    ],
)
def test_encode_refuses_values_decode_would_refuse(value: object) -> None:
    with pytest.raises(ValueError):
        encode(value)


def test_registration_refuses_bad_kinds() -> None:
    with pytest.raises(ValueError):

        @callback("fav")  # already used
        @dataclass(frozen=True)
        class Again:
            item_id: int

    with pytest.raises(ValueError):

        @callback("Bad1")
        @dataclass(frozen=True)
        class BadPrefix:
            item_id: int

    with pytest.raises(TypeError):

        @callback("zfloat")
        @dataclass(frozen=True)
        class FloatField:
            ratio: float

    with pytest.raises(ValueError):

        @callback("zlong")  # three 32-char strings cannot fit in 64 bytes
        @dataclass(frozen=True)
        class TooLong:
            a: str
            b: str
            c: str

    assert "zfloat" not in registered_kinds() and "zlong" not in registered_kinds()


def test_encode_refuses_unregistered_values() -> None:
    @dataclass(frozen=True)
    class NotRegistered:
        item_id: int

    with pytest.raises(TypeError):
        encode(NotRegistered(1))


def test_every_catalogue_key_fits_the_buttons_that_carry_it() -> None:
    tags = all_tag_keys()
    assert len(tags) == len(set(tags))
    for vertical in VERTICALS:
        assert 4 <= len(vertical.tags) <= 6
        assert decode(encode(ExpertsBrowse(vertical.key, 3))) == ExpertsBrowse(vertical.key, 3)
        assert decode_as(TopPage, encode(TopPage(vertical.key, "want", 0))).vertical == vertical.key
        for tag in vertical.tags:
            assert vertical_of_tag(tag.key) == vertical.key
            assert decode(encode(InterestToggle(tag.key, False))) == InterestToggle(tag.key, False)
    assert {v.key for v in VERTICALS} >= {
        "beauty",
        "digital",
        "cars",
        "film",
        "food",
        "fashion",
        "travel",
        "home",
        "sports",
        "books",
    }
    assert get_tag("skincare").label("zh_Hans") == "护肤"
    assert get_tag("skincare").label("en") == "Skincare"
    with pytest.raises(DomainError) as caught:
        vertical_of_tag("nonsense")
    assert caught.value.code == "vertical.unknown_tag"
