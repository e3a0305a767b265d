"""The address a request really came from, for per-client limits.

X-Forwarded-For is only believed when the TCP peer is one of the configured trusted proxies
(SALESBOT_TRUSTED_PROXIES); anyone else could write any address into it and get a fresh limit per request.
Behind trusted proxies, the header is read from the right: the first address that is not itself a
trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
import logging

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str | None) -> tuple[Network, ...]:
    """'10.0.0.1, 172.16.0.0/12' → networks; a malformed entry is skipped with a warning."""
    out = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            log.warning("SALESBOT_TRUSTED_PROXIES: %r is not an IP address or CIDR; ignored", part)
    return tuple(out)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address: the TCP peer, unless that is a trusted proxy (then from X-Forwarded-For)."""
    peer = peer or "unknown"
    if not trusted or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:  # garbage the client wrote: the proxy is the last address we can vouch for
                return peer
    return hops[0] if hops else peer


def request_ip(request, trusted: tuple[Network, ...]) -> str:
    """`client_ip` for an aiohttp request."""
    return client_ip(request.remote, request.headers.get("X-Forwarded-For"), trusted)
