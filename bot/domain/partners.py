"""The partner whitelist: which platforms' links experts may publish, and how each is read.

`Partner` says which hosts a platform owns and where its item and shop ids are; `load_partners`
builds the whitelist from config entries (TOML tables), refusing anything unusable or ambiguous;
`DEFAULT_PARTNERS` is the built-in one. Reading and canonicalising a link against it is
`bot.domain.partner_links`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from bot.domain.errors import DomainError

DEFAULT_ATTRIBUTION_PARAM = "vitrine_click"
DEFAULT_ITEM_ID_FORMAT = r"[0-9]{1,20}"

# One DNS label: lowercase ASCII letters, digits and inner hyphens (also what links must use).
DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}\Z")
_PARAM_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,32}\Z")


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
        return any(within_domain(host, suffix) for suffix in self.host_suffixes)


def within_domain(host: str, domain: str) -> bool:
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
        and all(DNS_LABEL.match(label) and not label.startswith("xn--") for label in labels)
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
