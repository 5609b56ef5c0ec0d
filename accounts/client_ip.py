"""The client address that log-in throttling counts against.

Behind a reverse proxy every request comes from the proxy's address, so one attacker
would lock out the whole team. X-Forwarded-For is believed only as far as
``CONCORD_PROXY_COUNT`` proxies of our own appended to it: anything further left was
written by the client and can be forged.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.CONCORD_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # Each trusted proxy appends the address it saw; the nearest one is last.
    chosen = hops[-proxies] if len(hops) >= proxies else hops[0]
    return _address(chosen) or remote
