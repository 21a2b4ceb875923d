"""Managing endpoints and redelivering: what the command, the console and the API call.

Services never commit on their own; each public function is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Q

from yundan import clock
from yundan.webhooks.events import parse_event_types
from yundan.webhooks.models import Delivery, DeliveryState, Endpoint, Event
from yundan.webhooks.outbox import wake_worker
from yundan.webhooks.signing import new_secret

_URL = URLValidator(schemes=["http", "https"])


class WebhookError(ValueError):
    """Bad input or an unknown id, said in the merchant's words (Chinese, English in brackets).

    ``field`` names the wrong input (``url``, ``events``); ``missing`` marks an unknown id."""

    def __init__(self, text: str, field: str = "", missing: bool = False):
        super().__init__(f"{field}: {text}" if field else text)
        self.text, self.field, self.missing = text, field, missing


def checked_url(url: str) -> str:
    url = (url or "").strip()
    try:
        _URL(url)
    except ValidationError:
        raise WebhookError(f"「{url}」不是有效的 http(s) 地址 (not a valid http or https URL)", "url") from None
    if len(url) > Endpoint._meta.get_field("url").max_length:
        raise WebhookError("地址太长，最多 500 个字符 (longer than 500 characters)", "url")
    return url


def checked_events(values) -> list[str]:
    try:
        return parse_event_types(values)
    except ValueError as error:
        raise WebhookError(str(error), "events") from None


def create_endpoint(url: str, events, description: str = "") -> Endpoint:
    """A new endpoint with a fresh ``whsec_`` secret, enabled."""
    return Endpoint.objects.create(url=checked_url(url), events=checked_events(events),
                                   description=(description or "").strip()[:200], secret=new_secret())


def get_endpoint(pk: int) -> Endpoint:
    endpoint = Endpoint.objects.filter(pk=pk).first()
    if endpoint is None:
        raise WebhookError(f"Webhook 端点 #{pk} 不存在 (unknown endpoint)", missing=True)
    return endpoint


def update_endpoint(endpoint: Endpoint, *, url: str | None = None, events=None,
                    description: str | None = None) -> Endpoint:
    if url is not None:
        endpoint.url = checked_url(url)
    if events is not None:
        endpoint.events = checked_events(events)
    if description is not None:
        endpoint.description = description.strip()[:200]
    endpoint.save()
    return endpoint


def set_enabled(endpoint: Endpoint, enabled: bool, reason: str = "") -> Endpoint:
    """Disable (its deliveries wait) or enable again: the health counters start over and every
    delivery that waited is due at once."""
    now = clock.now()
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        if enabled:
            endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = True, "", None
            endpoint.failing_since, endpoint.consecutive_failures = None, 0
            endpoint.deliveries.filter(state=DeliveryState.PENDING).update(next_attempt_at=now, updated_at=now)
            transaction.on_commit(wake_worker)
        elif endpoint.enabled:
            endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = False, reason or "管理员停用", now
        endpoint.save()
    return endpoint


def _redeliver(deliveries) -> int:
    now = clock.now()
    with transaction.atomic():
        count = deliveries.update(state=DeliveryState.PENDING, next_attempt_at=now, retry_step=0, updated_at=now)
        transaction.on_commit(wake_worker)
    return count


def redeliver(delivery_ids: Iterable[int]) -> int:
    """Send these deliveries again (whatever their state), with a fresh retry schedule and the
    same event id; raises WebhookError naming an unknown id."""
    ids = sorted(set(delivery_ids))
    known = set(Delivery.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing := [pk for pk in ids if pk not in known]:
        raise WebhookError(f"投递 {', '.join(f'#{pk}' for pk in missing)} 不存在 (unknown delivery)", missing=True)
    return _redeliver(Delivery.objects.filter(pk__in=ids))


def redeliver_failed(endpoint_id: int | None = None) -> int:
    """Send again every delivery that gave up (of one endpoint, or all)."""
    failed = Delivery.objects.filter(state=DeliveryState.FAILED)
    if endpoint_id is not None:
        failed = failed.filter(endpoint=get_endpoint(endpoint_id))
    return _redeliver(failed)


@dataclass(frozen=True)
class Health:
    endpoint: Endpoint
    pending: int
    failed: int

    @property
    def state(self) -> str:
        """``disabled`` · ``failing`` (the last tries failed) · ``healthy``."""
        if not self.endpoint.enabled:
            return "disabled"
        return "failing" if self.endpoint.consecutive_failures else "healthy"


def endpoints_with_health(pk: int | None = None) -> list[Health]:
    """Every endpoint (or the one with ``pk``) with its waiting and given-up deliveries counted (one
    query; the delivered ones, by far the most, are not counted)."""
    rows = Endpoint.objects.annotate(
        n_pending=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        n_failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
    ).order_by("pk")
    if pk is not None:
        rows = rows.filter(pk=pk)
    return [Health(row, row.n_pending, row.n_failed) for row in rows]


def prune(keep_days: int | None = None) -> int:
    """Delete events older than the retention whose deliveries are all finished (their deliveries and
    attempts go with them); returns how many events went. Waiting deliveries are never pruned."""
    keep = timedelta(days=settings.YUNDAN_WEBHOOK_KEEP_DAYS if keep_days is None else keep_days)
    old = Event.objects.filter(created_at__lt=clock.now() - keep).exclude(deliveries__state=DeliveryState.PENDING)
    removed = 0
    while ids := list(old.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            Event.objects.filter(pk__in=ids).delete()
        removed += len(ids)
    return removed
