"""HTTP for carrier adapters: timeouts, retries with backoff, a rate limit, and concurrency.

Every real adapter talks to its carrier through one ``CarrierHttp``. Transport failures and the
carrier's own overload answers (HTTP 429/502/503/504) are retried with exponential backoff; what is
still failing after the last try becomes a ``CarrierError`` naming the host, never a traceback.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from yundan.carriers.base import CarrierError

T = TypeVar("T")
R = TypeVar("R")

RETRIED_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 10.0  # seconds, per request
    retries: int = 2  # tries after the first
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    rate_per_second: float = 0.0  # 0 = no limit
    concurrency: int = 8  # requests in flight at once


class RateLimiter:
    """At most ``rate`` calls per second across threads (evenly spaced; 0 = unlimited)."""

    def __init__(self, rate: float, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._monotonic, self._sleep = monotonic, sleep

    def acquire(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            self._sleep(start - now)


class CarrierHttp:
    """One carrier account's HTTP: a pool of ``concurrency`` threads, each with its own keep-alive
    connection. Per-thread clients, because one shared httpx pool makes every request scan every
    connection under one lock: at 32 threads that, not the network, was the limit."""

    def __init__(self, settings: HttpSettings = HttpSettings(), sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self._sleep = sleep
        self._limiter = RateLimiter(settings.rate_per_second)
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(
                timeout=self.settings.timeout,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                headers={"User-Agent": "yundan"},
            )
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def post(self, url: str, **kwargs) -> httpx.Response:
        """POST with retries; ``kwargs`` go to httpx (``data``, ``content``, ``params``, ``headers``)."""
        host = urlsplit(url).netloc or url
        delay = self.settings.backoff
        for attempt in range(self.settings.retries + 1):
            self._limiter.acquire()
            try:
                response = self._client().post(url, **kwargs)
            except httpx.TimeoutException:
                problem = f"{host} 请求超时 ({self.settings.timeout:g} s)"
            except httpx.TransportError as exc:
                problem = f"{host} 无法连接 ({type(exc).__name__})"
            else:
                if response.status_code not in RETRIED_STATUSES:
                    if response.status_code >= 400:
                        raise CarrierError(f"{host} 返回 HTTP {response.status_code}: {response.text[:200]}")
                    return response
                problem = f"{host} 返回 HTTP {response.status_code}"
            if attempt < self.settings.retries:
                self._sleep(delay)
                delay *= 2
        raise CarrierError(f"{problem}，已重试 {self.settings.retries} 次")

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` over ``items`` with up to ``concurrency`` calls in flight; results in item order.

        ``fn`` should turn its own per-item failures into results; an exception it lets out
        propagates (after the calls already started have finished).
        """
        items = list(items)
        if len(items) <= 1 or self.settings.concurrency <= 1:
            return [fn(item) for item in items]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.settings.concurrency, thread_name_prefix="carrier-http")
        return list(self._pool.map(fn, items))

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            clients, self._clients = self._clients, []
        if pool is not None:
            pool.shutdown(wait=True)
        for client in clients:
            client.close()
