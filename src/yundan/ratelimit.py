"""A shared rate limiter: ``hit(key, limit, window_seconds, cost)`` → allowed, retry after, remaining.

It counts in Django's cache (``CACHES["default"]``: Redis when ``YUNDAN_REDIS_URL`` is set, so every
web process on every machine shares one count; this process's memory otherwise) with atomic
increments, two or three cache round trips per call.

The count is a *sliding window*: the current fixed window's count plus the previous window's,
weighted by how much of it still lies inside the last ``window_seconds``. A fixed window alone would
let a client spend its limit at the end of one window and again at the start of the next (twice the
limit within a few seconds); the weighted estimate does not, and costs one key per window.

A refused hit is not counted, so a client that waits ``retry_after`` seconds gets through. A hit
that costs more than the limit can never pass and is refused with ``retry_after = window_seconds``.
"""

import ipaddress
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache


_SLACK = 1e-9  # float rounding of the weighted count must not refuse an exact fit


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until a hit of the same cost would pass; 0 when allowed
    remaining: int  # cost units left in the window after this hit


def hit(key: str, limit: int, window_seconds: int, cost: int = 1, *, now: float | None = None) -> Decision:
    """Count ``cost`` units for ``key``, unless that would exceed ``limit`` per ``window_seconds``."""
    if limit < 1 or window_seconds < 1 or cost < 0:
        raise ValueError(f"rate limit needs limit ≥ 1, window ≥ 1 s and cost ≥ 0 "
                         f"(got {limit}, {window_seconds}, {cost})")
    moment = time.time() if now is None else now
    window = int(moment // window_seconds)
    elapsed = (moment - window * window_seconds) / window_seconds  # share of this window gone, [0, 1)
    current_key, previous_key = f"rl:{key}:{window}", f"rl:{key}:{window - 1}"
    previous = cache.get(previous_key, 0)
    carried = previous * (1 - elapsed)
    if cost > limit:
        return Decision(False, window_seconds, max(0, math.floor(limit - carried - cache.get(current_key, 0))))
    current = _add(current_key, cost, timeout=2 * window_seconds)
    estimate = carried + current
    if estimate <= limit + _SLACK:
        return Decision(True, 0, math.floor(limit - estimate + _SLACK))
    try:
        cache.decr(current_key, cost)  # refused: not counted
    except ValueError:  # the key expired meanwhile: nothing left to take back
        pass
    return Decision(False, _seconds_until_room(previous, current - cost, cost, limit, elapsed, window_seconds), 0)


def _add(key: str, delta: int, timeout: int) -> int:
    """Atomically add ``delta`` to the counter at ``key`` (created with ``timeout``); the new value.
    Increment first: the counter exists for every hit but a window's first."""
    try:
        return cache.incr(key, delta)
    except ValueError:  # the window's first hit
        if cache.add(key, delta, timeout):
            return delta
        return cache.incr(key, delta)  # another process created it meanwhile


def _seconds_until_room(previous: int, current: int, cost: int, limit: int, elapsed: float, window_seconds: int) -> int:
    """Seconds until ``previous·(1-f) + current + cost ≤ limit`` holds, with nobody else counting.

    Within this window the previous count keeps fading; past it, this window's count becomes the
    one that fades.
    """
    room = limit - cost
    if previous and current <= room:  # fits later in this window: previous·(1-f) ≤ room - current
        fraction = 1 - (room - current) / previous
        return max(1, math.ceil((fraction - elapsed) * window_seconds - _SLACK))
    # Next window: current·(1-g) ≤ room (nothing counted there yet).
    fraction = 1 - room / current if current else 0
    return max(1, math.ceil((1 - elapsed + fraction) * window_seconds - _SLACK))


def client_address(remote_addr: str, forwarded_for: str, trusted_proxies: list[str]) -> str:
    """The address to count a web client by.

    ``REMOTE_ADDR``, unless it is one of ``trusted_proxies`` (addresses or networks, e.g.
    ``10.0.0.0/8``): then the right-most ``X-Forwarded-For`` entry that is not a trusted proxy
    (entries further left were written by the client and can be anything). An IPv6 client is
    counted by its /64, the block one subscriber usually has to themself.
    """
    if not trusted_proxies and ":" not in remote_addr:
        return remote_addr  # an IPv4 peer and no proxy to look behind: nothing to parse
    networks = _networks(tuple(trusted_proxies))
    address = _parsed(remote_addr)
    if address is not None and any(address in network for network in networks):
        for entry in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
            hop = _parsed(entry)
            if hop is None:
                break  # a malformed hop: trust nothing further left, count the last good one
            address = hop
            if not any(hop in network for network in networks):
                break
    if address is None:
        return remote_addr
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]


def _parsed(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address
