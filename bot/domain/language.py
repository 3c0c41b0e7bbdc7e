"""Which language a person reads: their Telegram client's until they choose one themselves.

A pure rule (no telegram, no database): storage keeps what was seen and chosen, and every message
— replies and notices alike — is written in `person_language(...)` of the recipient.
"""

from __future__ import annotations

from bot.domain.states import DEFAULT_LANGUAGE, Language

SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)
CHINESE = Language.ZH_HANS.value
ENGLISH = Language.EN.value


def language_from_telegram(code: str | None) -> str:
    """Map Telegram's IETF language tag ("en", "en-GB", "zh-hans") to one of our catalogues.

    English tags give English; everything else, and no tag at all, the platform's default
    (Simplified Chinese), since that is the catalogue every text exists in first.
    """
    if code and code.strip().lower().replace("_", "-").split("-")[0] == "en":
        return ENGLISH
    return DEFAULT_LANGUAGE.value


def person_language(*, chosen: bool, stored: str | None, client_code: str | None) -> str:
    """The language to write to a person in.

    `chosen` says the person picked `stored` themselves (/settings): it stays whatever their
    client says. Otherwise the language follows the client's tag as last seen (`client_code`);
    with no tag seen yet, what is stored stands (or the default).
    """
    if chosen or client_code is None:
        return stored if stored is not None and is_supported(stored) else DEFAULT_LANGUAGE.value
    return language_from_telegram(client_code)


def is_supported(language: str) -> bool:
    """True for a catalogue the bot has."""
    return language in SUPPORTED_LANGUAGES
