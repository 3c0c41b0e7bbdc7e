"""URLs as Telegram checks them: td's parse_url (HttpUrl) and LinkManager's check_link.

Used for button URLs ("Inline keyboard button URL '…' is invalid: Wrong HTTP URL"), text_link
entities, `<a href>` in HTML (an invalid link silently drops the entity there) and URLs given for
files. Results are normalised like td's (lower-case host, "/" path), which is what Telegram then
stores and returns.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sandbox.errors import td_error
from sandbox.tdjson import is_utf8, to_integer_safe

_URL_PART_PUNCTUATION = frozenset(".-_!$,~*'();&+=")
MAX_USER_ID = (1 << 40) - 1


class UrlError(Exception):
    """A URL td refuses; the message is td's."""


@dataclass
class HttpUrl:
    """A parsed URL (td::HttpUrl)."""

    https: bool
    userinfo: str
    host: str
    is_ipv6: bool
    specified_port: int
    port: int
    query: str

    def url(self) -> str:
        """Return the normalised URL (HttpUrl::get_url)."""
        result = "https://" if self.https else "http://"
        if self.userinfo:
            result += self.userinfo + "@"
        result += self.host
        if self.specified_port > 0:
            result += f":{self.specified_port}"
        return result + self.query


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _is_hex(char: str) -> bool:
    return char in "0123456789abcdefABCDEF" and char != ""


def _check_url_part(part: str, name: str, allow_colon: bool) -> None:
    i = 0
    while i < len(part):
        char = part[i]
        if (char.isascii() and char.isalnum()) or char in _URL_PART_PUNCTUATION:
            i += 1
            continue
        if allow_colon and char == ":":
            i += 1
            continue
        if char == "%":
            if _is_hex(part[i + 1 : i + 2]) and _is_hex(part[i + 2 : i + 3]):
                i += 3
                continue
            raise UrlError(f"Wrong percent-encoded symbol in URL {name}")
        if ord(char) >= 128:  # plain UTF-8 symbols are allowed
            i += 1
            continue
        raise UrlError(f"Disallowed character in URL {name}")


def parse_url(url: str, default_https: bool = False) -> HttpUrl:
    """Parse `[http(s)://][userinfo@]host[:port][/path…]` like td's parse_url, or raise UrlError."""
    cut = len(url)
    for stop in ":/?#@[]":
        found = url.find(stop)
        if 0 <= found < cut:
            cut = found
    protocol = _ascii_lower(url[:cut])
    rest = url
    https = default_https
    if url.startswith("://", cut):
        if protocol == "http":
            https = False
        elif protocol == "https":
            https = True
        else:
            raise UrlError("Unsupported URL protocol")
        rest = url[cut + 3 :]
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if 0 <= found < end:
            end = found
    userinfo_host_port, query = rest[:end], rest[end:]

    port = 0
    colon = len(userinfo_host_port) - 1
    while colon > 0 and userinfo_host_port[colon] not in ":]@":
        colon -= 1
    if colon > 0 and userinfo_host_port[colon] == ":":
        port_text = userinfo_host_port[colon + 1 :]
        while len(port_text) > 1 and port_text[0] == "0":
            port_text = port_text[1:]
        parsed = to_integer_safe(port_text, 32)
        port = parsed if parsed else -1
        userinfo_host = userinfo_host_port[:colon]
    else:
        userinfo_host = userinfo_host_port
    if port < 0 or port > 65535:
        raise UrlError("Wrong port number specified in the URL")

    at = userinfo_host.rfind("@")
    userinfo = userinfo_host[:at] if at >= 0 else ""
    host = userinfo_host[at + 1 :]
    is_ipv6 = False
    if host.startswith("[") and host.endswith("]") and len(host) >= 2:
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError as exc:
            raise UrlError("Wrong IPv6 address specified in the URL") from exc
        is_ipv6 = True
    if not host:
        raise UrlError("URL host is empty")
    if host == ".":
        raise UrlError("Host is invalid")

    specified_port = port
    if port == 0:
        port = 443 if https else 80

    query = query.rstrip(" \t\r\n\0\v") or "/"
    normalised = "" if query.startswith("/") else "/"
    for char in query:
        normalised += f"%{ord(char):02X}" if ord(char) <= 0x20 else char

    host = _ascii_lower(host)
    if is_ipv6:
        for char in host[1:-1]:
            if char not in ":0123456789abcdef.":
                raise UrlError("Wrong IPv6 URL host")
    else:
        _check_url_part(host, "host", False)
        _check_url_part(userinfo, "userinfo", True)
    return HttpUrl(https, userinfo, host, is_ipv6, specified_port, port, normalised)


def _check_link(link: str, http_only: bool, https_only: bool) -> str:
    lowered = _ascii_lower(link)
    scheme = next((s for s in ("tg:", "ton:", "tonsite:") if lowered.startswith(s)), "")
    if scheme:
        link = link[len(scheme) :]
        if link.startswith("//"):
            link = link[2:]
    url = parse_url(link)
    if https_only and (not url.https or scheme):
        raise UrlError("Only HTTPS links are allowed")
    if scheme:
        if http_only:
            raise UrlError("Only HTTP links are allowed")
        if (
            _ascii_lower(link).startswith("http://")
            or url.https
            or url.userinfo
            or url.specified_port
            or url.is_ipv6
        ):
            raise UrlError("Wrong tg URL" if scheme == "tg:" else "Wrong ton URL")
        query = url.query
        if len(query) > 1 and query[1] == "?":
            query = query[1:]
        for char in url.host:
            allowed = (char.isascii() and char.isalnum()) or char in "-_"
            if not allowed and not (scheme == "tonsite:" and char == "."):
                raise UrlError("Unallowed characters in URL host")
        return f"{scheme[:-1]}://{url.host}{query}"
    if "." not in url.host and not url.is_ipv6:
        raise UrlError("Wrong HTTP URL")
    return url.url()


def check_link(link: str, http_only: bool = False, https_only: bool = False) -> str:
    """Return the normalised link, or raise UrlError("URL '…' is invalid: …") like LinkManager."""
    try:
        return _check_link(link, http_only, https_only)
    except UrlError as exc:
        if is_utf8(link):
            raise UrlError(f"URL '{link}' is invalid: {exc}") from exc
        raise UrlError(f"URL is invalid: {exc}") from exc


def check_web_app_link(link: str, test_environment: bool) -> str:
    """Check a Web App, login or menu button URL as td does (normalised, or UrlError).

    LinkManager::check_link(url, true, !G()->is_test_dc()): HTTP(S) links only, and HTTPS only
    outside Telegram's test environment.
    """
    return check_link(link, True, not test_environment)


def checked_link(link: str, prefix: str, http_only: bool = False, https_only: bool = False) -> str:
    """check_link for the Bot API: a refused link is a 400 "<prefix> URL '…' is invalid: …"."""
    try:
        return check_link(link, http_only, https_only)
    except UrlError as exc:
        raise td_error(400, f"{prefix} {exc}") from exc


def checked_web_app_url(link: str, test_environment: bool, prefix: str) -> str:
    """check_web_app_link for the Bot API: a refused URL is a 400 "<prefix> URL '…' …"."""
    return checked_link(link, prefix, True, not test_environment)


def checked_link_or_empty(link: str) -> str:
    """Return the normalised link, or "" if td would refuse it (LinkManager::get_checked_link)."""
    try:
        return _check_link(link, False, False)
    except UrlError:
        return ""


def mentioned_user(user_id: int) -> dict[str, object]:
    """The User of a text_mention made from a tg://user?id= link (the sandbox knows no names)."""
    return {"id": user_id, "is_bot": False, "first_name": ""}


def link_user_id(url: str) -> int:
    """Return the user id of a tg://user?id=<id> link, else 0 (LinkManager::get_link_user_id)."""
    url = _ascii_lower(url)
    if not url.startswith("tg:"):
        return 0
    url = url[3:]
    if url.startswith("//"):
        url = url[2:]
    if not url.startswith("user") or (len(url) > 4 and url[4] not in "/?#"):
        return 0
    url = url[4:]
    if url.startswith("/"):
        url = url[1:]
    if not url.startswith("?"):
        return 0
    url = url[1:].split("#", 1)[0]
    for parameter in url.split("&"):
        key, _, value = parameter.partition("=")
        if key == "id":
            user_id = to_integer_safe(value, 64)
            return user_id if user_id is not None and 0 < user_id <= MAX_USER_ID else 0
    return 0
