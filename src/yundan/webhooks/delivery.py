"""Sending due deliveries: claim with a lease, POST concurrently, record every try, keep endpoint health.

Order of arrival is not guaranteed (tries run concurrently and failed ones wait): receivers order
by the payload's ``timestamp`` and dedupe by ``webhook-id``, which is the same on every retry.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import urllib3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min

from yundan import clock
from yundan.webhooks import signing
from yundan.webhooks.events import iso_time
from yundan.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint, Event
from yundan.webhooks.retry import RetryPolicy, next_attempt, retry_after, should_disable

# A claimed delivery is not claimed again for this long, so a worker that dies gives it back.
LEASE = timedelta(minutes=15)
EXCERPT_CHARS = 1000  # of each answer, kept on the attempt
_READ_BYTES = 4 * EXCERPT_CHARS  # never read more of an answer than this


def body_of(event: Event) -> bytes:
    """The bytes sent and signed: the same on every try of the event."""
    payload = {"type": event.type, "timestamp": iso_time(event.created_at), "data": event.data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Outcome:
    """What one try got back."""

    at: datetime
    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class DeliveryRun:
    delivered: int = 0
    failed_tries: int = 0
    given_up: int = 0  # deliveries whose retries ran out
    disabled: list[int] = field(default_factory=list)  # endpoints disabled by this run

    @property
    def tries(self) -> int:
        return self.delivered + self.failed_tries

    def add(self, other: DeliveryRun) -> None:
        self.delivered += other.delivered
        self.failed_tries += other.failed_tries
        self.given_up += other.given_up
        self.disabled += other.disabled


def claim_due(limit: int) -> list[Delivery]:
    """Take up to ``limit`` due deliveries of enabled endpoints and push them out by the lease."""
    now = clock.now()
    with transaction.atomic():
        due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now,
                                      endpoint__enabled=True).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return list(Delivery.objects.filter(pk__in=ids).select_related("event", "endpoint").order_by("pk"))


def _read_excerpt(response: urllib3.BaseHTTPResponse) -> str:
    """At most ``_READ_BYTES`` of the answer: a receiver answering megabytes costs nothing more."""
    content = response.read(_READ_BYTES + 1)
    if len(content) > _READ_BYTES:
        response.close()  # the rest is never read: the connection is not reused
    else:
        response.release_conn()
    return content.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _why(error: Exception) -> str:
    # urllib3's messages start with the connection's repr: keep the reason at the end.
    return f"{type(error).__name__}: {str(error).rsplit(': ', 1)[-1]}"[:300]


def send(http: urllib3.PoolManager, delivery: Delivery) -> Outcome:
    """POST one delivery, signed; never raises for what the network or the receiver does."""
    event, endpoint = delivery.event, delivery.endpoint
    body = body_of(event)
    headers = signing.headers(endpoint.secret, event.id, body) | {
        "content-type": "application/json", "user-agent": "yundan-webhooks"}
    at, started = clock.now(), time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        response = http.request("POST", endpoint.url, body=body, headers=headers, preload_content=False,
                                redirect=False)
        excerpt = _read_excerpt(response)
    except urllib3.exceptions.NewConnectionError as error:  # a subclass of the timeout error, but refused
        return Outcome(at, None, took(), error=f"无法连接：{_why(error)}")
    except urllib3.exceptions.TimeoutError:
        return Outcome(at, None, took(), error=f"超时（{settings.YUNDAN_WEBHOOK_TIMEOUT:g} 秒无应答）")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Outcome(at, None, took(), error=f"无法连接：{_why(error)}")
    return Outcome(at, response.status, took(), excerpt, retry_after=response.headers.get("retry-after"))


def _error_text(outcome: Outcome) -> str:
    return outcome.error or ("" if outcome.ok else f"HTTP {outcome.status_code}")


def _update_delivery(delivery: Delivery, outcome: Outcome, policy: RetryPolicy, run: DeliveryRun) -> None:
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, _error_text(outcome)
    if outcome.ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = DeliveryState.DELIVERED, outcome.at, None
        run.delivered += 1
        return
    run.failed_tries += 1
    delivery.retry_step += 1
    delivery.next_attempt_at = next_attempt(policy, delivery.retry_step, outcome.at,
                                            retry_after(outcome.retry_after, outcome.at))
    if delivery.next_attempt_at is None:
        delivery.state = DeliveryState.FAILED
        run.given_up += 1


def _update_health(endpoint_id: int, outcomes: list[Outcome], policy: RetryPolicy, run: DeliveryRun) -> None:
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    now = max(o.at for o in outcomes)
    if any(o.ok for o in outcomes):
        endpoint.last_success_at, endpoint.failing_since, endpoint.consecutive_failures = now, None, 0
    else:
        endpoint.failing_since = endpoint.failing_since or min(o.at for o in outcomes)
        endpoint.consecutive_failures += len(outcomes)
    reason = ""
    if any(o.status_code == 410 for o in outcomes):
        reason = "接收方答复 410 Gone（不再接收）"
    elif should_disable(policy, endpoint.failing_since, endpoint.consecutive_failures, now):
        hours = (now - endpoint.failing_since).total_seconds() / 3600
        reason = f"连续失败 {endpoint.consecutive_failures} 次，{hours:.0f} 小时内没有一次成功"
    if reason and endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
        run.disabled.append(endpoint.pk)
    endpoint.save()


def record(deliveries: list[Delivery], outcomes: list[Outcome], policy: RetryPolicy, run: DeliveryRun) -> None:
    """Store the tries of one batch: an attempt row each, the deliveries' new state, endpoint health."""
    by_endpoint: dict[int, list[Outcome]] = defaultdict(list)
    with transaction.atomic():
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            _update_delivery(delivery, outcome, policy, run)
            by_endpoint[delivery.endpoint_id].append(outcome)
        Attempt.objects.bulk_create([
            Attempt(delivery=d, number=d.attempts, at=o.at, status_code=o.status_code, duration_ms=o.duration_ms,
                    response_excerpt=o.excerpt, error=o.error) for d, o in zip(deliveries, outcomes, strict=True)])
        Delivery.objects.bulk_update(deliveries, ["state", "next_attempt_at", "attempts", "retry_step",
                                                  "last_status_code", "last_error", "delivered_at", "updated_at"])
        for endpoint_id in sorted(by_endpoint):  # one order of row locks for every worker
            _update_health(endpoint_id, by_endpoint[endpoint_id], policy, run)


def _http() -> urllib3.PoolManager:
    """Connections for one run, shared by its threads. No retries (the schedule retries) and no
    redirects: a 3xx is a failure, to fix in the endpoint's URL (Standard Webhooks)."""
    options = dict(num_pools=50, maxsize=settings.YUNDAN_WEBHOOK_CONCURRENCY, retries=False,
                   timeout=urllib3.Timeout(connect=settings.YUNDAN_WEBHOOK_TIMEOUT,
                                           read=settings.YUNDAN_WEBHOOK_TIMEOUT))
    proxy = settings.YUNDAN_WEBHOOK_PROXY
    return urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)


def deliver_due(limit: int | None = None) -> DeliveryRun:
    """Send every due delivery, a batch at a time, until none is due."""
    limit = limit or settings.YUNDAN_WEBHOOK_BATCH
    policy, run = RetryPolicy.from_settings(settings), DeliveryRun()
    http = _http()
    try:
        with ThreadPoolExecutor(settings.YUNDAN_WEBHOOK_CONCURRENCY, thread_name_prefix="webhook") as pool:
            while batch := claim_due(limit):
                # The threads only do HTTP: the deliveries came with their event and endpoint.
                record(batch, list(pool.map(lambda d: send(http, d), batch)), policy, run)
                if len(batch) < limit:
                    break
    finally:
        http.clear()
    return run


def seconds_to_next_due() -> float | None:
    """How long until the next delivery of an enabled endpoint falls due (0 if one is due now)."""
    soonest = Delivery.objects.filter(state=DeliveryState.PENDING, endpoint__enabled=True).aggregate(
        at=Min("next_attempt_at"))["at"]
    return None if soonest is None else max((soonest - clock.now()).total_seconds(), 0.0)
