"""Webhook URL rules that need no DNS: scheme, host, credentials, and literal addresses.

Pure functions, so the settings (``KAMERSTROOM_WEBHOOK_URLS``) and the publisher's admin API
and deliveries apply the very same rules. Resolving a host name and checking the addresses
it resolves to is ``services.publisher.webhooks.ssrf``'s job, where the connection is made.
"""

from __future__ import annotations

import functools
import ipaddress

from yarl import URL

# Cloud metadata services that are not in a private or link-local range.
METADATA_ADDRESSES = frozenset({
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
})

class UnsafeURL(ValueError):
    """The URL must not receive webhooks; ``str()`` says why."""


class HostUnresolvable(UnsafeURL):
    """The host does not resolve now: refused at registration, retried at delivery."""


def check_address(host: str, address: str) -> None:
    """Refuse an address no webhook may reach."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip in METADATA_ADDRESSES or ip == ipaddress.ip_address("169.254.169.254"):
        raise UnsafeURL(f"{host} resolves to {address}, a cloud metadata address")
    if ip.is_loopback:
        raise UnsafeURL(f"{host} resolves to {address}, a loopback address")
    if ip.is_link_local:
        raise UnsafeURL(f"{host} resolves to {address}, a link-local address")
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
        raise UnsafeURL(f"{host} resolves to {address}, a private or reserved address")


@functools.lru_cache(maxsize=4096)  # every delivery checks its endpoint's URL again
def check_syntax(url: str, *, allow_private: bool) -> URL:
    """Scheme and host checks that need no DNS; returns the parsed URL."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise UnsafeURL(f"not a URL: {exc}") from None
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise UnsafeURL("expected an absolute http(s) URL")
    if parsed.scheme != "https" and not allow_private:
        raise UnsafeURL("webhook URLs must use https")
    if parsed.user or parsed.password:
        raise UnsafeURL("credentials in the URL are not allowed; use the signature instead")
    return parsed


def check_before_connect(url: str, *, allow_private: bool) -> None:
    """What a delivery checks itself: the URL's syntax and an address written in it.

    A host name is not resolved here: ``GuardedResolver`` checks every address the
    connector resolves, the one it then connects to, so resolving again before each
    delivery would only add a DNS lookup per attempt. An address written in the URL
    never reaches a resolver, so it is checked here.
    """
    parsed = check_syntax(url, allow_private=allow_private)
    host = parsed.raw_host or ""
    if allow_private or not _is_address(host):
        return
    check_address(host, host)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True
