"""Telegram-HTML parsing: accepted tags become entities, anything else is Telegram's 400."""

from __future__ import annotations

import pytest

from sandbox.entities import utf16_len
from sandbox.errors import BotApiError
from sandbox.formatting import fix_formatted_text
from sandbox.html_check import parse_html
from sandbox.html_render import render_html


def test_nested_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html(
        '😀 <b>bold <i>both</i></b> <a href="https://e.x/?a=1&amp;b=2">link</a>'
    )
    assert text == "😀 bold both link"
    # The emoji is two UTF-16 units, so everything after it shifts by 3 (emoji + space).
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://e.x/?a=1&b=2"},
    ]


def test_html_entities_are_decoded_and_a_lone_ampersand_is_kept() -> None:
    text, entities = parse_html("1 &lt; 2 &amp;&amp; 3 &gt; 2 &#65;&#x42; fish & chips")
    assert text == "1 < 2 && 3 > 2 AB fish & chips"
    assert entities == []


def test_pre_with_language_spoiler_and_expandable_blockquote() -> None:
    source = (
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>'
        "<blockquote expandable>q</blockquote>"
    )
    _, entities = parse_html(source)
    assert [e["type"] for e in entities] == [
        "pre",
        "spoiler",
        "spoiler",
        "expandable_blockquote",
    ]
    assert entities[0]["language"] == "python"


@pytest.mark.parametrize(
    ("source", "description"),
    [
        pytest.param(
            "<div>x</div>", 'Unsupported start tag "div" at byte offset 0', id="unsupported-tag"
        ),
        pytest.param("hi <br>", 'Unsupported start tag "br" at byte offset 3', id="br-tag"),
        pytest.param(
            "<b>x", 'Can\'t find end tag corresponding to start tag "b"', id="unclosed-element"
        ),
        pytest.param(
            "<b><i>x</b></i>",
            'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
            id="unmatched-end-tag",
        ),
        pytest.param("x</b>", "Unexpected end tag at byte offset 1", id="unexpected-end-tag"),
        pytest.param("é<b", "Unclosed start tag at byte offset 2", id="unclosed-start-tag"),
        pytest.param(
            "<b x=1",
            "Unclosed start tag at byte offset 0",
            id="unclosed-start-tag-in-attributes",
        ),
        pytest.param("x</b", "Unexpected end tag at byte offset 1", id="end-tag-nothing-open"),
        pytest.param("<b>x</b", "Unclosed end tag at byte offset 4", id="unclosed-end-tag"),
        pytest.param(
            "<b =1>x</b>",
            'Empty attribute name in the tag "b" at byte offset 0',
            id="empty-attribute-name",
        ),
        pytest.param(
            '<span class="x">y</span>',
            'Tag "span" must have class "tg-spoiler" at byte offset 0',
            id="span-class",
        ),
        pytest.param(
            '<tg-time unix="5" format="x">t</tg-time>',
            "Invalid date format used",
            id="date-format",
        ),
    ],
)
def test_malformed_html_is_rejected_like_telegram(source: str, description: str) -> None:
    with pytest.raises(BotApiError) as caught:
        parse_html(source)
    assert caught.value.error_code == 400
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert description in caught.value.description


def test_trimming_is_tds_spaces_and_newlines_clipping_entities() -> None:
    # td trims trailing spaces/newlines (clipping entities) and leading ones before the first
    # entity; the bold starts at 0 here, so the leading spaces stay inside it.
    text, entities = fix_formatted_text(
        "  <x>  ", [{"type": "bold", "offset": 0, "length": 5}], allow_empty=False
    )
    assert text == "  <x>"
    assert entities == [{"type": "bold", "offset": 0, "length": 5}]
    text, entities = fix_formatted_text(
        " \n <x>\u3000 \n", [{"type": "bold", "offset": 3, "length": 5}], allow_empty=False
    )
    # Only " " and "\n" are trimmed; an ideographic space is text.
    assert text == "<x>\u3000"
    assert entities == [{"type": "bold", "offset": 0, "length": 4}]


def test_render_round_trips_through_the_parser() -> None:
    source = '😀 <b>a <i>b</i></b> <a href="https://x.y/">c &lt; d</a> <code>e</code>'
    text, entities = parse_html(source)
    assert parse_html(render_html(text, entities)) == (text, entities)


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_len("a😀") == 3
