"""HTTP for carrier adapters: timeouts, retries with backoff, a rate limit, and concurrency.

Every real adapter talks to its carrier through one ``CarrierHttp``. Transport failures and the
carrier's own overload answers (HTTP 429/502/503/504) are retried with exponential backoff; what is
still failing after the last try becomes a ``CarrierError`` naming the host, never a traceback.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

import urllib3

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


@dataclass(frozen=True)
class Response:
    status_code: int
    content: bytes
    charset: str = "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode(self.charset, errors="replace")

    def json(self):
        return json.loads(self.content)


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


def _proxy_for(url: str) -> str:
    """The proxy the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``) names for ``url``."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme, "")
    if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
        return ""
    return proxy


class CarrierHttp:
    """One carrier account's HTTP: a pool of ``concurrency`` threads, each with its own keep-alive
    connections (urllib3). Per-thread pools, because one shared pool makes every request wait on
    its lock; urllib3 rather than httpx, because at 32 requests in flight the client's own work
    per request was the limit, and urllib3 spends about half of httpx's CPU on each."""

    def __init__(self, settings: HttpSettings = HttpSettings(), sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self._sleep = sleep
        self._limiter = RateLimiter(settings.rate_per_second)
        self._timeout = urllib3.Timeout(connect=settings.timeout, read=settings.timeout)
        self._local = threading.local()
        self._managers: list[urllib3.PoolManager] = []
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _manager(self, proxy: str) -> urllib3.PoolManager:
        managers = getattr(self._local, "managers", None)
        if managers is None:
            managers = self._local.managers = {}
        manager = managers.get(proxy)
        if manager is None:
            options = dict(maxsize=1, retries=False, timeout=self._timeout, headers={"User-Agent": "yundan"})
            manager = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
            managers[proxy] = manager
            with self._lock:
                self._managers.append(manager)
        return manager

    def post(self, url: str, *, data: Mapping[str, str] | None = None, content: bytes | None = None,
             params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None) -> Response:
        """POST a form (``data``) or a ready body (``content``) with retries; ``params`` go in the URL."""
        host = urlsplit(url).netloc or url
        headers = dict(headers or {})
        if data is not None:
            content = urlencode(data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        manager = self._manager(_proxy_for(url))
        delay = self.settings.backoff
        for attempt in range(self.settings.retries + 1):
            self._limiter.acquire()
            try:
                answer = manager.request("POST", url, body=content, headers=headers)
            except urllib3.exceptions.TimeoutError:
                problem = f"{host} 请求超时 ({self.settings.timeout:g} s)"
            except urllib3.exceptions.HTTPError as exc:
                problem = f"{host} 无法连接 ({type(exc).__name__})"
            else:
                response = Response(answer.status, answer.data, _charset(answer.headers.get("Content-Type", "")))
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
            managers, self._managers = self._managers, []
        if pool is not None:
            pool.shutdown(wait=True)
        for manager in managers:
            manager.clear()
