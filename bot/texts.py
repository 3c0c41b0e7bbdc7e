"""Every sentence a person reads comes from a Jinja2 template, translated with gettext.

Templates live in `templates/messages/<audience>/<screen>.j2` (Telegram HTML, autoescaped) and
`templates/web/` (pages). Catalogues are `templates/locale/<lang>/LC_MESSAGES/<domain>.po`, one
per audience (common, fan, expert, merchant, admin, web); all of a language's catalogues are
merged and compiled in memory at start-up, so editing a `.po` file needs no build step.
Button labels live in `templates/messages/<audience>/labels.j2` as one `labels` dict each.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from html.parser import HTMLParser
from importlib import resources
from typing import Any, cast

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.domain.language import CHINESE, SUPPORTED_LANGUAGES
from bot.domain.money import format_fen
from bot.domain.partners import DEFAULT_PARTNERS
from bot.domain.states import DEFAULT_LANGUAGE as DEFAULT

LANGUAGES = SUPPORTED_LANGUAGES
DEFAULT_LANGUAGE = DEFAULT.value
MESSAGE_LIMIT = 4096  # Telegram counts characters after entity parsing
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes


class MessageTooLong(ValueError):
    """A rendered text would be refused by Telegram; the caller must page or shorten it."""

    def __init__(self, template: str, length: int, limit: int) -> None:
        super().__init__(f"{template} renders to {length} characters (limit {limit})")
        self.template = template
        self.length = length
        self.limit = limit


class _VisibleText(HTMLParser):
    """Collects the text Telegram will show once it has parsed the HTML entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_length(html: str) -> int:
    """Length of the displayed text in UTF-16 code units, the unit Telegram's limits use."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return len("".join(parser.parts).encode("utf-16-le")) // 2


def load_translations(language: str) -> NullTranslations:
    """Compile the language's .po catalogue in memory (English is the source language)."""
    if language == "en":
        return NullTranslations()
    folder = resources.files("templates").joinpath("locale", language, "LC_MESSAGES")
    merged: Translations | None = None
    for po_path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not po_path.name.endswith(".po"):
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language.split("_")[0])
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = Translations(buffer)
        if merged is None:
            merged = translations
        else:
            merged.merge(translations)
    return merged if merged is not None else NullTranslations()


# The default partners' names are msgids of the catalogues ("Tmall" → "天猫").
PLATFORM_NAMES = {partner.key: partner.name for partner in DEFAULT_PARTNERS}
LIST_SEPARATORS = {CHINESE: "、"}  # how a language runs names together; ", " otherwise


def platform_name(translations: NullTranslations, value: object) -> str:
    """A partner platform as the reader's language names it, given its key or English name.

    Handlers pass either; a platform the catalogues don't know is shown as configured.
    """
    text = str(value)
    name = PLATFORM_NAMES.get(text.lower(), text)
    return translations.gettext(name) if name in PLATFORM_NAMES.values() else name


def _environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("templates", "."),
        autoescape=select_autoescape(enabled_extensions=("j2", "html"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        # Templates ship with the code: no stat of the file on every render (the /go hot path).
        auto_reload=False,
    )
    translations = load_translations(language)
    # The i18n extension adds this method when it is installed: not on the static type.
    cast(Any, env).install_gettext_translations(translations, newstyle=True)
    env.filters["money"] = format_fen
    env.filters["platform"] = lambda value: platform_name(translations, value)
    # An identifier (host, parameter, key) shown as typed: in <code>, its text escaped.
    env.filters["code"] = lambda value: Markup("<code>{}</code>").format(value)
    separator = LIST_SEPARATORS.get(language, ", ")
    env.filters["series"] = lambda values: separator.join(str(v) for v in values)
    env.globals["language"] = language
    env.globals["CHINESE"] = CHINESE  # templates compare with this, never with a literal
    return env


class Texts:
    """Renders named templates for a language and checks Telegram's limits."""

    def __init__(self) -> None:
        self._envs = {language: _environment(language) for language in LANGUAGES}
        self._labels: dict[tuple[str, str], Mapping[str, str]] = {}

    def env(self, language: str) -> Environment:
        """The Jinja2 environment of a language (unknown languages fall back to the default)."""
        return self._envs.get(language, self._envs[DEFAULT_LANGUAGE])

    def render(self, name: str, language: str, /, **context: Any) -> str:
        """Render `messages/<name>.j2` as Telegram HTML, refusing what Telegram would refuse.

        `caption=True` among the values checks the caption limit (1024) instead of the
        message limit (4096); it is not passed to the template.
        """
        caption = bool(context.pop("caption", False))
        template_name = f"messages/{name}.j2"
        text = self.env(language).get_template(template_name).render(**context).strip()
        limit = CAPTION_LIMIT if caption else MESSAGE_LIMIT
        length = visible_length(text)
        if length > limit:
            raise MessageTooLong(template_name, length, limit)
        return text

    def render_page(self, name: str, language: str, /, **context: Any) -> str:
        """Render a web page `web/<name>.html.j2`."""
        return self.env(language).get_template(f"web/{name}.html.j2").render(**context)

    def render_app(self, name: str, language: str, /, **context: Any) -> str:
        """Render a Mini App fragment or page `miniapp/<name>.html.j2`."""
        return self.env(language).get_template(f"miniapp/{name}.html.j2").render(**context)

    def labels(self, language: str, audience: str = "common") -> Mapping[str, str]:
        """Button labels (short texts) from `messages/<audience>/labels.j2`, translated."""
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        key = (language, audience)
        if key not in self._labels:
            # A template module's attributes are the template's top-level {% set %} names.
            module: Any = self.env(language).get_template(f"messages/{audience}/labels.j2").module
            self._labels[key] = {k: str(v) for k, v in module.labels.items()}
        return self._labels[key]

    def label(self, language: str, key: str, **params: Any) -> str:
        """One button label by "audience.key" (or a common key), formatted with `params`."""
        audience, _, name = key.rpartition(".")
        text = self.labels(language, audience or "common")[name]
        return text.format(**params) if params else text

    def command_sections(
        self, language: str, roles: Collection[str] = ("fan",)
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        """The command menu of a person with these roles, by role: (role, [(command, description)]).

        Sections come in the order of `messages/commands.j2`; a command offered to those without
        a role (its third element) is left out for whoever has it, and a command already in an
        earlier section is not repeated.
        """
        module: Any = self.env(language).get_template("messages/commands.j2").module
        seen: set[str] = set()
        sections = []
        for role, entries in module.menu_sections:
            if role not in roles:
                continue
            commands = []
            for command, description, *unless in entries:
                if command in seen or (unless and unless[0] in roles):
                    continue
                seen.add(command)
                commands.append((command, str(description)))
            sections.append((role, commands))
        return sections

    def commands(self, language: str, roles: Collection[str] = ("fan",)) -> list[tuple[str, str]]:
        """The command menu of a person with these roles, as one list: (command, description)."""
        return [c for _role, cs in self.command_sections(language, roles) for c in cs]
