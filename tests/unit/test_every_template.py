"""Every message template, in both languages, with counts 0, 1 and 2: nothing untranslated.

Each template is rendered with a generic context: every variable it reads is a `Sample` — a
number (the count under test) that also answers any attribute, index, call or iteration with
another sample of the same count, so `rows` has 0, 1 or 2 rows and `outcome.quantity` is that
count too. Variables a template compares with string constants (`event == "published"`,
`step == "link"`) are rendered once per constant, so every branch is read. A few variables are
given the values the bot really passes (English platform names, a schedule as stored), because
those are exactly what must not reach a Chinese reader untranslated.

The checks: no English word in the Chinese output beyond names, codes and command arguments; in
English, no "1 pushes" and no "2 push".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jinja2 import meta, nodes

from bot.texts import Texts

COUNTS = (0, 1, 2)

# What the bot really hands these variables (and attributes of the same name).
REAL_VALUES: dict[str, Any] = {
    "partners": ["Tmall", "Taobao", "Weimai"],
    "partner": "Tmall",
    "platform": "Tmall",
    "partner_key": "tmall",
    "recurrence": "daily 21:55",
    "follow_link": "https://t.me/vitrine_bot?start=lina_beauty",
}
# Templates that need a value of another shape than a sample.
SHAPED: dict[str, dict[str, Any]] = {
    "admin/partners": {
        "partners": [
            {
                "name": "Tmall",
                "key": "tmall",
                "hosts": ["tmall.com"],
                "suffixes": [".tmall.com"],
                "attribution": "ali_trackid",
            },
            {
                "name": "Weimai",
                "key": "weimai",
                "hosts": [],
                "suffixes": [".weimai.com"],
                "attribution": "vt",
            },
        ]
    },
}
SCHEDULES = ("daily 21:55", "weekly 4 20:00")

# Words a Chinese reader may see in Latin letters: names, formats and abbreviations ("English"
# is the language switch's own name for English, as every language switch shows it).
ALLOWED_LATIN = {
    "Vitrine",
    "English",
    "CSV",
    "JSON",
    "ID",
    "GMV",
    "CTR",
    "TA",
    "URL",
    "HTML",
    "Telegram",
    "https",
    "bp",
}
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
URL = re.compile(r"https?://\S+")
# A command and up to two lower-case arguments ("/top beauty", "/export 12 all"): typed as is.
COMMAND = re.compile(r"/[a-z_]+(?:[ ]+[a-z0-9_%.:<>#@-]+){0,2}")
HANDLE = re.compile(r"@\w+")
IDENTIFIER = re.compile(r"\w*_\w*")  # lina_beauty, zh_Hans: typed or shown as they are
# An English plural after 1 is wrong ("1 pushes"); these are verbs or words that end in s.
ENDS_IN_S = {"is", "was", "has", "this", "its", "does", "goes", "gets", "us", "yes", "plus"}
ENDS_IN_S |= {"stays", "recommends", "proposes", "status", "means", "needs", "keeps", "sends"}
PLURAL_AFTER_ONE = re.compile(r"(?<![\d.,])\b1 (?:more )?([a-z]+s)\b")
SINGULAR_AFTER_MANY = re.compile(
    r"(?<![\d.,])\b[02] (?:more )?(push|fan|follower|item|campaign|order|pick|day|hour|minute"
    r"|expert|shop|click|tag|report|reservation|character|letter|row|update|message|person)\b"
)


class Sample(int):
    """A count that is also whatever a template asks of it (see the module docstring)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return REAL_VALUES.get(name, Sample(self))

    def __getitem__(self, key: object) -> Any:
        return REAL_VALUES.get(key, Sample(self)) if isinstance(key, str) else Sample(self)

    def __iter__(self) -> Iterator[Sample]:
        return iter([Sample(self) for _ in range(int(self))])

    def __len__(self) -> int:
        return int(self)

    def __call__(self, *args: object, **kwargs: object) -> Sample:
        return Sample(self)

    def get(self, key: object, default: object = None) -> Any:
        return self[key]


class _Visible(HTMLParser):
    """The text a reader sees, without what sits in <code> (identifiers, typed as they are)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_code += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self.in_code -= tag in ("code", "pre") and self.in_code > 0

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _templates() -> list[str]:
    root = Path(str(resources.files("templates").joinpath("messages")))
    names = [str(p.relative_to(root).with_suffix("")) for p in sorted(root.rglob("*.j2"))]
    # Labels and macros are read through the screens that use them; commands through /help.
    return [n for n in names if not n.endswith(("labels", "macros")) and n != "commands"]


def _branch_values(ast: nodes.Template) -> dict[str, list[str]]:
    """For each variable compared with string constants, those constants."""
    found: dict[str, set[str]] = {}
    for compare in ast.find_all(nodes.Compare):
        if not isinstance(compare.expr, nodes.Name):
            continue
        for operand in compare.ops:
            consts = (
                operand.expr.items
                if isinstance(operand.expr, nodes.Tuple | nodes.List)
                else [operand.expr]
            )
            for const in consts:
                if isinstance(const, nodes.Const) and isinstance(const.value, str):
                    found.setdefault(compare.expr.name, set()).add(const.value)
    return {name: sorted(values) for name, values in found.items()}


def _contexts(texts: Texts, name: str, language: str, count: int) -> Iterator[dict[str, Any]]:
    env = texts.env(language)
    source = Path(str(resources.files("templates").joinpath("messages", f"{name}.j2")))
    ast = env.parse(source.read_text(encoding="utf-8"))
    variables = meta.find_undeclared_variables(ast) - set(env.globals)
    branches = _branch_values(ast)
    chosen = sorted(v for v in variables if v in branches)
    base: dict[str, Any] = {v: REAL_VALUES.get(v, Sample(count)) for v in variables}
    base["follow_link"] = REAL_VALUES["follow_link"]  # read by an included part
    base.update(SHAPED.get(name, {}))
    if name == "common/help":
        base["sections"] = texts.command_sections(language, ("fan", "expert", "merchant"))
    for combination in itertools.product(*(branches[v] for v in chosen)):
        yield {**base, **dict(zip(chosen, combination, strict=True))}


def _problems(text: str, language: str, count: int) -> list[str]:
    if language == "zh_Hans":
        latin = IDENTIFIER.sub(" ", HANDLE.sub(" ", COMMAND.sub(" ", URL.sub(" ", text))))
        return [
            f"untranslated {word!r}"
            for word in ENGLISH_WORD.findall(latin)
            if word not in ALLOWED_LATIN
        ]
    if count == 1:
        return [
            f"plural after 1: {word!r}"
            for word in PLURAL_AFTER_ONE.findall(text)
            if word not in ENDS_IN_S
        ]
    return [f"singular after {count}: {word!r}" for word in SINGULAR_AFTER_MANY.findall(text)]


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts()


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("name", _templates())
def test_every_template_reads_whole_in_its_language(
    texts: Texts, name: str, language: str, count: int
) -> None:
    problems: list[str] = []
    for values in _contexts(texts, name, language, count):
        text = visible(texts.render(name, language, **values))
        problems += [f"{p} in {text!r}" for p in _problems(text, language, count)]
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_a_repeating_campaign_says_its_schedule_in_the_readers_words(
    texts: Texts, schedule: str, language: str
) -> None:
    values = next(_contexts(texts, "campaign/preview", language, 1))
    values["draft"] = Sample(1)
    REAL_VALUES["recurrence"], before = schedule, REAL_VALUES["recurrence"]
    try:
        text = visible(texts.render("campaign/preview", language, **values))
    finally:
        REAL_VALUES["recurrence"] = before
    assert schedule not in text
    assert schedule.split()[-1] in text
    assert _problems(text, language, 1) == []


def test_the_checks_catch_what_they_are_for() -> None:
    """The checks themselves: each flags the fragments the first week found."""
    assert _problems("重复（daily 21:55）", "zh_Hans", 1) == ["untranslated 'daily'"]
    assert _problems("接受的合作平台：Tmall, Taobao", "zh_Hans", 1) == [
        "untranslated 'Tmall'",
        "untranslated 'Taobao'",
    ]
    assert _problems("🛍 Tmall", "zh_Hans", 2) == ["untranslated 'Tmall'"]
    assert _problems("at most 1 pushes a day", "en", 1) == ["plural after 1: 'pushes'"]
    assert _problems("at most 2 push a day", "en", 2) == ["singular after 2: 'push'"]
    assert _problems("发送 /top beauty 或 @lina_beauty，https://x.test/a", "zh_Hans", 0) == []
    assert _problems("1 fan is here; 10 pushes; ¥1.50 items", "en", 1) == []


def _audiences() -> list[str]:
    root = Path(str(resources.files("templates").joinpath("messages")))
    return sorted(p.parent.name for p in root.glob("*/labels.j2"))


@pytest.mark.parametrize("audience", _audiences())
def test_every_button_label_is_chinese_in_chinese(texts: Texts, audience: str) -> None:
    labels = texts.labels("zh_Hans", audience)
    english = texts.labels("en", audience)
    assert labels.keys() == english.keys()
    problems = {
        key: _problems(label.format_map(_Blank()), "zh_Hans", 1) for key, label in labels.items()
    }
    assert {key: found for key, found in problems.items() if found} == {}


def test_every_command_description_is_chinese_in_chinese(texts: Texts) -> None:
    roles = ("fan", "expert", "merchant", "admin")
    described = texts.commands("zh_Hans", roles)
    assert described and all(not _problems(text, "zh_Hans", 1) for _command, text in described)


class _Blank(dict[str, str]):
    """Fills a label's {placeholders} with nothing, so only the label's own words are read."""

    def __missing__(self, key: str) -> str:
        return ""
