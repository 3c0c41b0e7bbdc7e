"""Templates: both languages, escaping of hostile input, Telegram's limits, complete catalogues."""

from __future__ import annotations

from importlib import resources

import pytest
from babel.messages.pofile import read_po

from bot.texts import MessageTooLong, Texts, visible_length


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts()


def test_start_in_both_languages(texts: Texts) -> None:
    zh = texts.render(
        "common/start", "zh_Hans", first_name="Ann", returning=False, unknown_payload=False
    )
    en = texts.render(
        "common/start", "en", first_name="Ann", returning=False, unknown_payload=False
    )
    assert "你好，Ann" in zh
    assert "Hello, Ann" in en
    assert zh != en


def test_unknown_language_falls_back_to_chinese(texts: Texts) -> None:
    text = texts.render("common/start", "fr", first_name="A", returning=True, unknown_payload=False)
    assert "欢迎回来" in text


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:x">x</a>',
        "</b><b>",
        "&amp; & <",
        "\"'><i>",
    ],
)
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_user_input_is_escaped(texts: Texts, hostile: str, language: str) -> None:
    text = texts.render(
        "common/start", language, first_name=hostile, returning=False, unknown_payload=False
    )
    assert hostile not in text
    assert "<script>" not in text and "<a " not in text
    assert text.count("<b>") == text.count("</b>") == 1  # only the template's own bold


def test_visible_length_counts_what_telegram_shows() -> None:
    assert visible_length("<b>ab</b>&amp;") == 3
    assert visible_length("😀") == 2  # one emoji is two UTF-16 code units
    assert visible_length("中文") == 2


def test_texts_over_telegrams_limit_are_refused(texts: Texts) -> None:
    with pytest.raises(MessageTooLong) as caught:
        texts.render(
            "common/start", "en", first_name="x" * 5000, returning=False, unknown_payload=False
        )
    assert caught.value.limit == 4096
    with pytest.raises(MessageTooLong):
        texts.render(
            "common/start",
            "en",
            caption=True,
            first_name="x" * 1100,
            returning=False,
            unknown_payload=False,
        )


def test_command_menus_are_translated_and_valid(texts: Texts) -> None:
    zh, en = texts.commands("zh_Hans"), texts.commands("en")
    assert [c for c, _ in zh] == [c for c, _ in en]
    assert ("help", "帮助") in zh and ("help", "Help") in en
    for command, description in zh + en:
        assert command.isascii() and command.islower() and 1 <= len(command) <= 32
        assert 1 <= len(description) <= 256


def chinese_catalogues() -> list:
    folder = resources.files("templates").joinpath("locale", "zh_Hans", "LC_MESSAGES")
    catalogues = []
    for po in folder.iterdir():
        if po.name.endswith(".po"):
            with po.open("rb") as handle:
                catalogues.append(read_po(handle))
    return catalogues


def test_every_message_has_a_chinese_translation() -> None:
    untranslated = [m.id for c in chinese_catalogues() for m in c if m.id and not m.string]
    assert untranslated == []


def test_catalogue_covers_every_template_string() -> None:
    """Every _() in a template must be in the catalogue (run pybabel extract/update when this fails)."""
    from babel.messages.extract import extract_from_dir

    # A plural message's id is (singular, plural); extraction reports the same pair.
    known = {
        m.id if isinstance(m.id, str) else m.id[0] for c in chinese_catalogues() for m in c if m.id
    }
    root = resources.files("templates")
    found = {
        message
        for _f, _l, message, _c, _ctx in extract_from_dir(
            str(root),
            method_map=[("**.j2", "jinja2")],
            options_map={
                "**.j2": {
                    "extensions": "jinja2.ext.i18n",
                    "trim_blocks": "true",
                    "lstrip_blocks": "true",
                }
            },
        )
    }
    missing = {m if isinstance(m, str) else m[0] for m in found} - known
    assert missing == set()
