"""Partner links: a product link checked against the whitelist, its canonical form, attribution.

Every link a fan is sent to passes `parse_partner_link` when it is published and
`is_whitelisted_url` again when it is followed, so both share one parser and agree by construction.
The parser is deliberately stricter than browsers: anything a browser might read differently
from `urllib.parse` (backslashes, stray slashes, userinfo, percent-encoded or non-ASCII hosts,
ports, control characters) is refused rather than repaired.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from bot.domain.errors import DomainError
from bot.domain.partners import DNS_LABEL, Partner, within_domain
from bot.domain.tokens import is_click_id

MAX_LINK_CHARS = 2048

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
_SHOP_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}\Z")
# RFC 3986 path characters; "%" stays so existing escapes are not escaped twice.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class PartnerLink:
    """A validated partner link: which partner, the canonical URL, the item and (maybe) the shop."""

    partner_key: str
    canonical_url: str
    item_id: str
    shop_id: str | None = None


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
    if len(host) > 253 or not all(DNS_LABEL.match(label) for label in labels):
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
    if any(within_domain(host, short) for short in short_hosts):
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
