"""The SSRF guard refuses internal addresses and plain http unless private targets are allowed."""

from __future__ import annotations

import re

import pytest

from services.publisher.webhooks.ssrf import HostUnresolvable, UnsafeURL, check_before_connect, check_url


def resolving_to(address: str):
    async def resolve(host: str) -> list[str]:
        return [address]
    return resolve


@pytest.mark.parametrize(("url", "why"), [
    ("https://10.0.0.1/hook", "private"),
    ("https://169.254.169.254/latest/meta-data", "metadata"),
    ("https://127.0.0.1:8443/hook", "loopback"),
    ("https://[::1]/hook", "loopback"),
    ("https://192.168.1.10/hook", "private"),
    ("https://100.100.100.200/", "metadata"),
    ("http://93.184.216.34/hook", "https"),
    ("ftp://example.org/hook", "http"),
    ("https://user:pw@93.184.216.34/hook", "credentials"),
])
async def test_refused_urls(url: str, why: str) -> None:
    """Each internal, metadata, non-https or credentialed URL is refused with its reason."""
    with pytest.raises(UnsafeURL, match=why):
        await check_url(url, allow_private=False)


async def test_name_resolving_to_private_address_is_refused() -> None:
    """A public-looking name that resolves to 10.x is refused (the resolver is what counts)."""
    with pytest.raises(UnsafeURL, match=re.escape("intranet.example resolves to 10.1.2.3")):
        await check_url("https://intranet.example/hook", allow_private=False,
                        resolve=resolving_to("10.1.2.3"))


async def test_localhost_is_refused_by_real_resolution() -> None:
    """``localhost`` resolves (through the system resolver) to loopback and is refused."""
    with pytest.raises(UnsafeURL, match="loopback"):
        await check_url("https://localhost/hook", allow_private=False)


async def test_public_address_passes() -> None:
    """A public https address is allowed (no exception)."""
    await check_url("https://hooks.example/x", allow_private=False, resolve=resolving_to("93.184.216.34"))


async def test_flag_allows_loopback_and_http() -> None:
    """``KAMERSTROOM_WEBHOOK_ALLOW_PRIVATE`` lifts both rules (no exception)."""
    await check_url("http://127.0.0.1:9/hook", allow_private=True)


async def test_unresolvable_host_is_its_own_refusal() -> None:
    """A name that does not resolve is refused as unresolvable (delivery retries it later)."""
    async def nothing(host: str) -> list[str]:
        return []

    with pytest.raises(HostUnresolvable, match="does not resolve"):
        await check_url("https://gone.example/hook", allow_private=False, resolve=nothing)


@pytest.mark.parametrize(("url", "why"), [
    ("https://10.0.0.1/hook", "private"),
    ("https://[::1]/hook", "loopback"),
    ("https://169.254.169.254/", "metadata"),
    ("http://93.184.216.34/hook", "https"),
])
def test_before_connect_refuses_what_needs_no_dns(url: str, why: str) -> None:
    """Addresses written in the URL and bad syntax are refused before any connection."""
    with pytest.raises(UnsafeURL, match=why):
        check_before_connect(url, allow_private=False)


def test_before_connect_leaves_names_to_the_resolver() -> None:
    """A name is not looked up before connecting (the connector's resolver checks it):
    even one that cannot resolve passes this check."""
    check_before_connect("https://kamerstroom-test.invalid/hook", allow_private=False)
    check_before_connect("http://127.0.0.1:8080/hook", allow_private=True)
