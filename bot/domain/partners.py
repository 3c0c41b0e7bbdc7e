"""The partner whitelist: which shops' links experts may publish; canonical form; attribution.

Every link a fan is sent to passes `parse_partner_link` when it is published and
`is_whitelisted_url` again when it is followed, so both share one parser and agree by construction.
The parser is deliberately stricter than browsers: anything a browser might read differently
from `urllib.parse` (backslashes, stray slashes, userinfo, percent-encoded or non-ASCII hosts,
ports, control characters) is refused rather than repaired.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from bot.domain.errors import DomainError
from bot.domain.tokens import is_click_id

MAX_LINK_CHARS = 2048
DEFAULT_ATTRIBUTION_PARAM = "vitrine_click"
DEFAULT_ITEM_ID_FORMAT = r"[0-9]{1,20}"

# Redirectors hide the real destination, so we cannot check it; matched on label boundaries,
# and checked before the whitelist because some live under partner domains (s.click.taobao.com).
SHORT_LINK_HOSTS: tuple[str, ...] = (
    "s.click.taobao.com",
    "uland.taobao.com",
    "tb.cn",
    "t.cn",
    "url.cn",
    "dwz.cn",
    "suo.im",
    "bit.ly",
    "t.co",
    "tinyurl.com",
    "goo.gl",
    "is.gd",
    "ow.ly",
)

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}\Z")
_PARAM_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,32}\Z")
_SHOP_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}\Z")
# RFC 3986 path characters; "%" stays so existing escapes are not escaped twice.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class Partner:
    """One whitelisted partner platform and how to read its item links."""

    key: str
    name: str
    hosts: tuple[str, ...] = ()
    host_suffixes: tuple[str, ...] = ()
    item_id_params: tuple[str, ...] = ()
    item_id_path_pattern: str | None = None
    attribution_param: str = DEFAULT_ATTRIBUTION_PARAM
    item_id_format: str = DEFAULT_ITEM_ID_FORMAT
    shop_id_params: tuple[str, ...] = ()
    shop_id_host_pattern: str | None = None
    short_link_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a partner definition that could never match safely."""
        _validate_partner(self)

    def owns_host(self, host: str) -> bool:
        """True when `host` is one of our exact hosts or ends with a suffix at a label boundary."""
        if host in self.hosts:
            return True
        return any(_within_domain(host, suffix) for suffix in self.host_suffixes)


@dataclass(frozen=True)
class PartnerLink:
    """A validated partner link: which partner, the canonical URL, the item and (maybe) the shop."""

    partner_key: str
    canonical_url: str
    item_id: str
    shop_id: str | None = None


def _within_domain(host: str, domain: str) -> bool:
    """True when `host` is `domain` or a subdomain of it (never merely ends with its letters)."""
    return host == domain or host.endswith("." + domain)


def _bad_config(partner: str, field: str, problem: str) -> DomainError:
    """Build the error for a partner definition an operator got wrong."""
    return DomainError("partners.invalid", partner=partner, field=field, problem=problem)


def _is_dns_name(name: object) -> bool:
    """True for a lowercase ASCII host name of at least two labels, no IDN, no numeric TLD."""
    if not isinstance(name, str) or len(name) > 253:
        return False
    labels = name.split(".")
    return (
        len(labels) >= 2
        and all(_LABEL.match(label) and not label.startswith("xn--") for label in labels)
        and not labels[-1].isdigit()
    )


def _check_pattern(partner: Partner, field: str, pattern: str | None, group: str | None) -> None:
    """Check that a configured regex compiles and has the named group we read."""
    if pattern is None:
        return
    if not isinstance(pattern, str):
        raise _bad_config(partner.key, field, "not_a_string")
    try:
        compiled = re.compile(pattern)
    except re.error:
        raise _bad_config(partner.key, field, "bad_regex") from None
    if group is not None and group not in compiled.groupindex:
        raise _bad_config(partner.key, field, f"missing_group_{group}")


def _validate_partner(partner: Partner) -> None:
    """Raise partners.invalid when a partner definition is unusable or unsafe."""
    key = partner.key if isinstance(partner.key, str) else repr(partner.key)
    if not isinstance(partner.key, str) or not _KEY.match(partner.key):
        raise _bad_config(key, "key", "bad_key")
    if not isinstance(partner.name, str) or not partner.name.strip() or len(partner.name) > 64:
        raise _bad_config(key, "name", "bad_name")
    for field in ("hosts", "host_suffixes", "short_link_hosts"):
        names = getattr(partner, field)
        if not isinstance(names, tuple) or not all(_is_dns_name(name) for name in names):
            raise _bad_config(key, field, "bad_host_name")
    if not partner.hosts and not partner.host_suffixes:
        raise _bad_config(key, "hosts", "no_hosts")
    for field in ("item_id_params", "shop_id_params"):
        names = getattr(partner, field)
        if not isinstance(names, tuple) or not all(
            isinstance(name, str) and _PARAM_NAME.match(name) for name in names
        ):
            raise _bad_config(key, field, "bad_param_name")
    if not partner.item_id_params and partner.item_id_path_pattern is None:
        raise _bad_config(key, "item_id_params", "no_item_id_source")
    _check_pattern(partner, "item_id_path_pattern", partner.item_id_path_pattern, "id")
    _check_pattern(partner, "item_id_format", partner.item_id_format, None)
    _check_pattern(partner, "shop_id_host_pattern", partner.shop_id_host_pattern, "shop")
    attribution = partner.attribution_param
    if not isinstance(attribution, str) or not _PARAM_NAME.match(attribution):
        raise _bad_config(key, "attribution_param", "bad_param_name")
    if attribution in partner.item_id_params or attribution in partner.shop_id_params:
        raise _bad_config(key, "attribution_param", "collides_with_kept_param")


def load_partners(config: Sequence[Mapping[str, object]]) -> tuple[Partner, ...]:
    """Build the whitelist from config entries (e.g. TOML tables), refusing anything ambiguous."""
    if isinstance(config, (str, bytes)) or not isinstance(config, Sequence) or not config:
        raise DomainError("partners.empty")
    allowed = {field.name for field in fields(Partner)}
    partners: list[Partner] = []
    for index, entry in enumerate(config):
        if not isinstance(entry, Mapping):
            raise _bad_config(f"#{index}", "entry", "not_a_table")
        label = str(entry.get("key", f"#{index}"))
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise _bad_config(label, unknown[0], "unknown_field")
        # TOML arrays arrive as lists; the frozen dataclass wants hashable tuples.
        values: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in entry.items()
        }
        try:
            partners.append(Partner(**values))
        except TypeError:
            raise _bad_config(label, "entry", "missing_field") from None
    _check_no_overlap(partners)
    return tuple(partners)


def _check_no_overlap(partners: Sequence[Partner]) -> None:
    """Refuse two partners with the same key or claiming the same host, which would be ambiguous."""
    seen_keys: set[str] = set()
    for index, partner in enumerate(partners):
        if partner.key in seen_keys:
            raise DomainError("partners.duplicate_key", partner=partner.key)
        seen_keys.add(partner.key)
        for other in partners[index + 1 :]:
            for name in (*partner.hosts, *partner.host_suffixes):
                if other.owns_host(name):
                    raise DomainError("partners.overlap", partner=partner.key, other=other.key)
            for name in (*other.hosts, *other.host_suffixes):
                if partner.owns_host(name):
                    raise DomainError("partners.overlap", partner=other.key, other=partner.key)


DEFAULT_PARTNERS: tuple[Partner, ...] = (
    Partner(
        key="tmall",
        name="Tmall",
        host_suffixes=("tmall.com", "tmall.hk"),
        item_id_params=("id",),
        # world.tmall.com/item/<id>.htm carries the id in the path.
        item_id_path_pattern=r"/item/(?P<id>[0-9]+)\.htm",
        shop_id_params=("shop_id", "seller_id"),
    ),
    Partner(
        key="taobao",
        name="Taobao",
        host_suffixes=("taobao.com",),
        item_id_params=("id",),
        # a.m.taobao.com/i<id>.htm is the old mobile shape.
        item_id_path_pattern=r"/i(?P<id>[0-9]+)\.htm",
        shop_id_params=("shop_id", "seller_id"),
    ),
    # Our assumption, not a documented format: Weimai shops live on shop<number>.weimai.com and
    # item pages are /item/<id>; m.weimai.com may carry the shop as ?shop_id=.
    Partner(
        key="weimai",
        name="Weimai",
        host_suffixes=("weimai.com",),
        item_id_path_pattern=r"/item/(?P<id>[0-9]+)/?",
        shop_id_params=("shop_id",),
        shop_id_host_pattern=r"shop(?P<shop>[0-9]+)\.weimai\.com",
    ),
)


def accepted_partner_names(partners: Iterable[Partner]) -> list[str]:
    """The names of the accepted partners, in whitelist order, for "we accept …" messages."""
    return [partner.name for partner in partners]


def find_partner(key: str, partners: Iterable[Partner]) -> Partner | None:
    """The partner with this key, or None."""
    return next((partner for partner in partners if partner.key == key), None)


def _name_key(text: str) -> str:
    """A typed platform name reduced to what tells names apart: width, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def match_partner(
    text: str,
    partners: Iterable[Partner],
    names: Mapping[str, Iterable[str]] | None = None,
) -> Partner | None:
    """The partner a person typed: its key, its name, or one of `names[key]` (e.g. the names
    shown in each interface language, "天猫" for Tmall), ignoring case, width and spaces."""
    wanted = _name_key(text)
    if not wanted:
        return None
    for partner in partners:
        spellings = (partner.key, partner.name, *((names or {}).get(partner.key, ())))
        if any(_name_key(spelling) == wanted for spelling in spellings):
            return partner
    return None


def _check_characters(text: str) -> None:
    """Refuse characters that urllib and browsers treat differently, before any parsing."""
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "C":  # Cc controls (\n, \t, \r, NUL), Cf (zero-width, bidi), Cs, Co
            raise DomainError("link.control_chars", char=f"U+{ord(char):04X}")
        if category[0] == "Z" or char.isspace():
            raise DomainError("link.whitespace")
    if "\\" in text:
        raise DomainError("link.backslash")


def _split_scheme(text: str) -> tuple[str, str]:
    """Return (lower-case scheme, rest) for text that starts with a scheme, else raise."""
    match = _SCHEME.match(text)
    if match is None or "." in match.group(1):
        # "//tmall.com/…", "detail.tmall.com/…" or "tmall.com:443/…": no scheme at all.
        if text.startswith("//") or "." in text.split("/", 1)[0]:
            raise DomainError("link.no_scheme")
        raise DomainError("link.not_a_url")
    scheme = match.group(1).lower()
    if scheme not in ("https", "http"):
        raise DomainError("link.scheme", scheme=scheme)
    return scheme, text[match.end() :]


def _check_host(authority: str) -> str:
    """Validate the authority part of a URL and return the lower-case host name."""
    if not authority:
        raise DomainError("link.no_host")
    if "@" in authority:
        raise DomainError("link.userinfo")
    if "%" in authority:
        raise DomainError("link.encoded_host")
    if not authority.isascii():
        raise DomainError("link.idn")
    if "[" in authority or "]" in authority:
        raise DomainError("link.ip_host", host=authority)
    if ":" in authority:
        raise DomainError("link.port", host=authority)
    host = authority.lower()
    labels = host.split(".")
    if any(label.startswith("xn--") for label in labels):
        raise DomainError("link.idn")
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        # 127.0.0.1, 2130706433, 0x7f.1: real top-level domains are never numeric.
        raise DomainError("link.ip_host", host=host)
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise DomainError("link.bad_host", host=host)  # empty labels, trailing dot, "_", …
    return host


def _read_item_id(
    partner: Partner, path: str, query: list[tuple[str, str]]
) -> tuple[str, str | None]:
    """Return (item id, the query parameter it came from or None when read from the path)."""
    found: list[tuple[str, str | None]] = [
        (value, name) for name, value in query if name in partner.item_id_params
    ]
    if partner.item_id_path_pattern is not None:
        match = re.fullmatch(partner.item_id_path_pattern, path)
        if match is not None:
            found.append((match.group("id"), None))
    present = [(value, name) for value, name in found if value != ""]
    if not present:
        raise DomainError("link.no_item_id", partner=partner.name)
    if len({value for value, _ in present}) > 1:
        # Two different ids (?id=1&id=2): the partner and we might read different ones.
        raise DomainError("link.ambiguous_item_id", partner=partner.name)
    item_id, source = present[0]
    if not re.fullmatch(partner.item_id_format, item_id, flags=re.ASCII):
        raise DomainError("link.bad_item_id", partner=partner.name)
    return item_id, source


def _read_shop_id(
    partner: Partner, host: str, query: list[tuple[str, str]]
) -> tuple[str | None, str | None]:
    """Return (shop id, the query parameter it came from) when the link names a shop."""
    if partner.shop_id_host_pattern is not None:
        match = re.fullmatch(partner.shop_id_host_pattern, host)
        if match is not None:
            return match.group("shop"), None
    for wanted in partner.shop_id_params:
        for name, value in query:
            # A malformed shop id is only a missed hint, never a reason to refuse the item.
            if name == wanted and _SHOP_ID.match(value):
                return value, name
    return None, None


def parse_partner_link(raw: str, partners: Iterable[Partner]) -> PartnerLink:
    """Validate a product link against the whitelist and return its canonical https form.

    Raises DomainError with a link.* code naming exactly what was wrong.
    """
    if not isinstance(raw, str):
        raise DomainError("link.not_a_url")
    text = raw.strip()
    if not text:
        raise DomainError("link.empty")
    if len(text) > MAX_LINK_CHARS:
        raise DomainError("link.too_long", max_chars=MAX_LINK_CHARS)
    _check_characters(text)
    _scheme, rest = _split_scheme(text)
    # Exactly two slashes: browsers read "https:/host" and "https:///host" as "https://host",
    # urllib reads them as a path, so such links are refused rather than guessed at.
    if not rest.startswith("//") or rest.startswith("///"):
        raise DomainError("link.not_a_url")
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    host = _check_host(authority)
    try:
        parts = urlsplit("https:" + rest)
    except ValueError:
        raise DomainError("link.not_a_url") from None
    if parts.netloc.lower() != host:  # urllib must see the host we checked, or we stop here
        raise DomainError("link.not_a_url")
    all_partners = tuple(partners)
    short_hosts = SHORT_LINK_HOSTS + tuple(h for p in all_partners for h in p.short_link_hosts)
    if any(_within_domain(host, short) for short in short_hosts):
        raise DomainError("link.short_link", host=host)
    partner = next((p for p in all_partners if p.owns_host(host)), None)
    if partner is None:
        raise DomainError("link.host_not_allowed", host=host)
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = parse_qsl(parts.query, keep_blank_values=True)
    item_id, item_param = _read_item_id(partner, path, query)
    shop_id, shop_param = _read_shop_id(partner, host, query)
    # Only what identifies the item survives; tracking (spm, scm, utm_*, share ids) is dropped.
    kept = [(name, value) for name, value in ((item_param, item_id), (shop_param, shop_id)) if name]
    canonical = f"https://{host}{path}"
    if kept:
        canonical += "?" + urlencode(kept)
    return PartnerLink(partner.key, canonical, item_id, shop_id)


def is_whitelisted_url(url: str, partners: Iterable[Partner]) -> bool:
    """True when `url` may be redirected to: exactly https, and accepted by parse_partner_link."""
    if not isinstance(url, str) or url != url.strip() or not url.startswith("https://"):
        return False
    try:
        parse_partner_link(url, partners)
    except DomainError:
        return False
    return True


def with_attribution(canonical_url: str, partner: Partner, click_id: str) -> str:
    """Return the partner's canonical URL with our click id in its attribution parameter."""
    if not is_click_id(click_id):
        raise DomainError("attribution.bad_click_id")
    link = parse_partner_link(canonical_url, (partner,))
    separator = "&" if "?" in link.canonical_url else "?"
    return link.canonical_url + separator + urlencode([(partner.attribution_param, click_id)])
