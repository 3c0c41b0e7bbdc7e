"""Hypothesis strategies for updates a hostile or broken sender could post to the webhook route.

Well-formed parts name the people the test created in the sandbox (a real bot only ever hears from
chats Telegram knows); everything else is fair game: missing fields, wrong types, 1 MB strings,
unknown update kinds and fields, edited messages, channel posts, group chats, stickers, photos and
locations where text is expected, forged callback data and inline queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from typing import Any

from hypothesis import strategies as st

Json = Any

HUGE_SIZES = (4096, 4097, 65_536, 999_000)  # 999,000 bytes: just inside the route's limit

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
any_json = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def huge_text() -> st.SearchStrategy[str]:
    """A string of one of the sizes around Telegram's and the route's limits."""
    return st.tuples(st.sampled_from(HUGE_SIZES), st.sampled_from(("a", "界", "😀", "<b>"))).map(
        lambda pair: (pair[1] * pair[0])[: pair[0]]
    )


def texts(commands: Sequence[str]) -> st.SearchStrategy[str]:
    """What a person might type: commands with odd arguments, plain words, junk, huge strings."""
    command = st.tuples(
        st.sampled_from([f"/{name}" for name in commands]),
        st.sampled_from(("", " ", "@sandbox_100001_bot", " x", " 99999999999999999999999", " -1")),
        st.text(max_size=30),
    ).map("".join)
    return st.one_of(
        command,
        command,
        st.text(max_size=60),
        st.sampled_from(("", " ", "/", "//start", "/start " + "x" * 70, "\u202e", "\x00")),
        huge_text(),
    )


def people(user_ids: Sequence[int]) -> st.SearchStrategy[dict[str, Json]]:
    """A Telegram user object for one of the known people, sometimes odd, sometimes a bot."""
    return st.fixed_dictionaries(
        {"id": st.sampled_from(user_ids), "is_bot": st.booleans() | st.just(False)},
        optional={
            "first_name": st.text(max_size=70) | huge_text(),
            "last_name": st.text(max_size=10),
            "username": st.text(max_size=40),
            "language_code": st.sampled_from(("en", "zh-hans", "zh", "xx", "", "e" * 40)),
            "is_premium": st.booleans(),
        },
    )


def chats(person: dict[str, Json]) -> st.SearchStrategy[dict[str, Json]]:
    """The person's private chat, or a group, supergroup or channel."""
    private = st.just({"id": person["id"], "type": "private", "first_name": "x"})
    other = st.fixed_dictionaries(
        {
            "id": st.integers(min_value=-(10**13), max_value=-1),
            "type": st.sampled_from(("group", "supergroup", "channel")),
            "title": st.text(max_size=20),
        }
    )
    return st.one_of(private, private, other)


@st.composite
def messages(draw: st.DrawFn, user_ids: Sequence[int], commands: Sequence[str]) -> dict[str, Json]:
    """A message: text, or something else where text is expected."""
    person = draw(people(user_ids))
    message: dict[str, Json] = {
        "message_id": draw(st.integers(min_value=1, max_value=2**31)),
        "date": draw(st.integers(min_value=0, max_value=2**33)),
        "chat": draw(chats(person)),
    }
    if draw(st.booleans()) or message["chat"]["type"] == "private":
        message["from"] = person
    content = draw(
        st.sampled_from(("text", "text", "text", "sticker", "photo", "location", "none"))
    )
    if content == "text":
        text = draw(texts(commands))
        message["text"] = text
        if text.startswith("/") and draw(st.booleans()):
            length = draw(st.integers(min_value=-5, max_value=len(text) + 5))
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    elif content == "sticker":
        message["sticker"] = {
            "file_id": "CAACAgIAAxkBAAI",
            "file_unique_id": "AgADAQAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "😀",
        }
    elif content == "photo":
        size = {"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}
        message["photo"] = [size]
        if draw(st.booleans()):
            message["caption"] = draw(texts(commands))
    elif content == "location":
        message["location"] = {"latitude": 31.2, "longitude": 121.5}
    return message


@st.composite
def callback_queries(
    draw: st.DrawFn, user_ids: Sequence[int], known_data: Sequence[str]
) -> dict[str, Json]:
    """A press of a button the bot may or may not have sent, with forged or valid-looking data."""
    person = draw(people(user_ids))
    query: dict[str, Json] = {
        "id": draw(st.text(alphabet="0123456789", min_size=1, max_size=19)),
        "from": person,
        "chat_instance": "1",
    }
    data = draw(
        st.sampled_from(known_data) | st.text(max_size=64) | st.binary(max_size=64).map(bytes.hex)
    )
    if draw(st.integers(min_value=0, max_value=9)):
        query["data"] = data
    if draw(st.booleans()):
        query["message"] = {
            "message_id": draw(st.integers(min_value=1, max_value=50)),
            "date": 1_700_000_000,
            "chat": {"id": person["id"], "type": "private"},
            "text": draw(st.text(max_size=20)),
        }
    elif draw(st.booleans()):
        query["inline_message_id"] = draw(st.text(max_size=20))
    return query


@st.composite
def inline_queries(draw: st.DrawFn, user_ids: Sequence[int]) -> dict[str, Json]:
    return {
        "id": draw(st.text(alphabet="0123456789", min_size=1, max_size=19)),
        "from": draw(people(user_ids)),
        "query": draw(st.text(max_size=64) | huge_text()),
        "offset": draw(
            st.sampled_from(("", "0", "20", "-1", "99999999999999999999999", "1e9", "x"))
            | st.text(max_size=10)
        ),
    }


def break_somewhere(document: dict[str, Json]) -> st.SearchStrategy[dict[str, Json]]:
    """The document with one field, at any depth, removed or given a value of another type."""

    @st.composite
    def broken(draw: st.DrawFn) -> dict[str, Json]:
        copy: dict[str, Json] = deepcopy(document)
        target = copy
        while True:
            keys = list(target)
            if not keys:
                return copy
            key = draw(st.sampled_from(keys))
            child = target[key]
            if isinstance(child, dict) and child and draw(st.booleans()):
                target = child
                continue
            if draw(st.booleans()):
                del target[key]
            else:
                target[key] = draw(any_json)
            return copy

    return broken()


@st.composite
def hostile_updates(
    draw: st.DrawFn, user_ids: Sequence[int], commands: Sequence[str], known_data: Sequence[str]
) -> dict[str, Json]:
    """One update body (without its update_id, which the test numbers)."""
    kind = draw(
        st.sampled_from(
            (
                "message",
                "message",
                "edited_message",
                "channel_post",
                "edited_channel_post",
                "callback_query",
                "inline_query",
                "unknown",
            )
        )
    )
    update: dict[str, Json]
    if kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        body = draw(messages(user_ids, commands))
        if kind.startswith("edited"):
            body["edit_date"] = body["date"] + 1
        update = {kind: body}
    elif kind == "callback_query":
        update = {kind: draw(callback_queries(user_ids, known_data))}
    elif kind == "inline_query":
        update = {kind: draw(inline_queries(user_ids))}
    else:
        name = draw(
            st.sampled_from(("business_message", "poll", "purchased_paid_media"))
            | st.text(max_size=16)
        )
        update = {name: draw(any_json)}
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        update = draw(break_somewhere(update))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        update[draw(st.text(max_size=10))] = draw(any_json)  # fields Telegram may add some day
    return update
