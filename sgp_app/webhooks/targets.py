"""Where a webhook may post: ``http``/``https`` URLs on public addresses only (against SSRF).

A URL's host is checked when the endpoint is saved and again on every connection, against the
very addresses the connection then uses: the check and the connect see the same DNS answer, so
a name that later resolves to ``127.0.0.1`` (DNS rebinding) is refused too.
``SGP_WEBHOOK_ALLOW_PRIVATE=1`` lifts the rule (a receiver on the same host or network).
"""

import contextlib
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

import httpcore
from httpcore._backends.base import SOCKET_OPTION, NetworkStream

MAX_URL = 2000


class TargetRefused(Exception):
    """The URL or its addresses may not be posted to; the message says why, in Portuguese."""


class Unresolvable(TargetRefused):
    """The host name does not resolve (now)."""


def check_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a well-formed http(s) URL; :class:`TargetRefused` otherwise."""
    if len(url) > MAX_URL:
        raise TargetRefused(f"No máximo {MAX_URL} caracteres")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("URL inválida") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("Use uma URL http:// ou https://")
    if not parts.hostname:
        raise TargetRefused("A URL não tem servidor")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Credenciais na URL não são aceitas")
    if any(c.isspace() or ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in url):
        raise TargetRefused("A URL não pode conter espaços ou caracteres de controle")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


# What stays as it is in a path, query or fragment: RFC 3986's reserved and unreserved characters,
# and "%" (the URL may already be percent-encoded; encoding it again would change it).
URL_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def normalize_url(url: str) -> str:
    """The URL as it goes on the wire: an IDNA (punycode) host and a percent-encoded path and query.

    ``https://exämple.com/notificação`` becomes ``https://xn--exmple-cua.com/notifica%C3%A7%C3%A3o``.
    An ASCII URL comes back unchanged. :class:`TargetRefused` when it cannot be encoded.
    """
    check_url(url)
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""  # check_url made sure there is one
    try:
        if not host.isascii():
            host = ".".join(label.encode("idna").decode("ascii") if label else "" for label in host.split("."))
        path, query, fragment = (quote(part, safe=URL_SAFE) for part in (parts.path, parts.query, parts.fragment))
    except UnicodeError:
        raise TargetRefused("A URL tem caracteres que não podem ser codificados") from None
    host = f"[{host}]" if ":" in host else host
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    encoded = urlunsplit((parts.scheme, netloc, path, query, fragment))
    check_url(encoded)  # longer now, say
    return encoded


# IPv6 prefixes whose last 32 bits are an IPv4 address the packet reaches: NAT64 (RFC 6052, and the
# local-use prefix of RFC 8215) and the deprecated IPv4-compatible addresses (RFC 4291, ::a.b.c.d).
EMBEDDED_IPV4 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96"))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64, IPv4-compatible)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    if any(ip in net for net in EMBEDDED_IPV4):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(address: str) -> bool:
    """Whether ``address`` is a public unicast address, and so is every IPv4 address it embeds."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = embedded_ipv4(ip)
        if ip.ipv4_mapped is not None:
            candidates = list(embedded)  # ::ffff:a.b.c.d is just that IPv4 address
        else:
            candidates.extend(embedded)
    return all(c.is_global and not c.is_multicast for c in candidates)


def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses to connect to for ``host``; :class:`TargetRefused` if any is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolvable(f"Não foi possível resolver {host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise TargetRefused(
                f"{host} aponta para um endereço privado, de loopback ou link-local ({refused[0]}); "
                "defina SGP_WEBHOOK_ALLOW_PRIVATE=1 para permitir"
            )
    return addresses


def check_target(url: str, allow_private: bool) -> None:
    """Refuse a URL that is malformed or whose host resolves to a non-public address.

    A name that does not resolve yet is accepted (its DNS may come later): every connection
    checks again, and a delivery that cannot connect is retried.
    """
    _, host, port = check_url(normalize_url(url))
    with contextlib.suppress(Unresolvable):
        resolve(host, port, allow_private)


class CheckedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses :func:`resolve` allowed.

    TLS still verifies the certificate against the URL's host name: httpcore passes it to
    ``start_tls`` apart from the address connected to.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> NetworkStream:
        try:
            addresses = resolve(host, port, self.allow_private)
        except TargetRefused as exc:
            raise httpcore.ConnectError(str(exc)) from None
        error = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"Sem endereços para {host}")
