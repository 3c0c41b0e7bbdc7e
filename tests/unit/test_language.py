"""The language rule: a person reads their Telegram client's language until they choose one."""

from __future__ import annotations

import pytest

from bot.domain.language import (
    CHINESE,
    ENGLISH,
    SUPPORTED_LANGUAGES,
    is_supported,
    language_from_telegram,
    person_language,
)
from bot.texts import DEFAULT_LANGUAGE, LANGUAGES


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", ENGLISH),
        ("en-GB", ENGLISH),
        ("EN-us", ENGLISH),
        ("en_US", ENGLISH),
        (" en ", ENGLISH),
        ("zh-hans", CHINESE),
        ("zh-TW", CHINESE),
        ("zh", CHINESE),
        ("pt-br", CHINESE),  # no catalogue: the platform's default
        ("eng", CHINESE),  # not the English tag
        ("", CHINESE),
        (None, CHINESE),
    ],
)
def test_telegram_tags_map_to_a_catalogue(code: str | None, expected: str) -> None:
    assert language_from_telegram(code) == expected


def test_a_language_follows_the_client_until_chosen() -> None:
    # Following: the client's tag as last seen decides, whatever was stored before.
    assert person_language(chosen=False, stored=CHINESE, client_code="en") == ENGLISH
    assert person_language(chosen=False, stored=ENGLISH, client_code="zh-hans") == CHINESE
    # Chosen: the client no longer matters.
    assert person_language(chosen=True, stored=CHINESE, client_code="en") == CHINESE
    assert person_language(chosen=True, stored=ENGLISH, client_code="zh-hans") == ENGLISH


def test_no_client_tag_seen_keeps_what_is_stored() -> None:
    assert person_language(chosen=False, stored=ENGLISH, client_code=None) == ENGLISH
    assert person_language(chosen=False, stored=None, client_code=None) == CHINESE
    # A stored value the bot has no catalogue for never reaches a template.
    assert person_language(chosen=True, stored="fr", client_code="en") == CHINESE


def test_one_list_of_languages_everywhere() -> None:
    assert SUPPORTED_LANGUAGES == LANGUAGES == (CHINESE, ENGLISH)
    assert DEFAULT_LANGUAGE == CHINESE
    assert is_supported(ENGLISH) and not is_supported("zh-hans")
