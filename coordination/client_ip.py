"""The address of the person making a request, the one way every part of Tansiq reads it
(API throttles, allauth's login rate limits, logs).

Without a reverse proxy (TRUSTED_PROXY_COUNT=0, the default) it is REMOTE_ADDR and
X-Forwarded-For is ignored: anybody can write that header. Behind N proxies that each
append the address they received the request from to X-Forwarded-For (nginx's
`$proxy_add_x_forwarded_for`, Caddy, Traefik), the client is the N-th entry from the
right: entries further left were sent by the client and may be forged, so they are never
read. TRUSTED_PROXIES (addresses or networks) adds a guard: the header is believed only
when the request comes from one of them (a request reaching the web container directly
is identified by its own address).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in proxies)


def _normalised(value: str | None) -> str | None:
    """The address in canonical form, or None when `value` is not an IP address."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _is_trusted_proxy(address: str | None) -> bool:
    proxies = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    if not proxies:
        return True  # no addresses given: the count alone decides
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in _networks(proxies))


def client_ip(request: HttpRequest) -> str:
    """The client's address as the trusted proxies saw it (REMOTE_ADDR without any).

    Never raises: a header that is missing, too short or not an address falls back to
    REMOTE_ADDR (or "unknown" when even that is missing, e.g. in some test clients)."""
    meta = request.META
    remote = _normalised(meta.get("REMOTE_ADDR"))
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded and _is_trusted_proxy(remote):
        entries = [entry.strip() for entry in forwarded.split(",")]
        # Fewer entries than proxies: the request skipped the outer ones; the leftmost
        # was still written by a trusted proxy.
        chosen = _normalised(entries[-min(count, len(entries))])
        if chosen is not None:
            return chosen
    return remote or "unknown"


__all__ = ["client_ip"]
