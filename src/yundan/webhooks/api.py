"""REST API v1 for webhooks out (mounted at ``/api/v1/webhooks``): endpoints, deliveries, redelivery.

Thin: the rules are yundan.webhooks.services. Reading needs a read key; changing anything, and the
signing secret, need a write key.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yundan.api import auth
from yundan.api.errors import ApiError, errors
from yundan.api.schemas import In
from yundan.orders.details import iso_time
from yundan.webhooks.delivery import body_of
from yundan.webhooks.events import EventType
from yundan.webhooks.models import Delivery, DeliveryState
from yundan.webhooks.services import (
    Health, WebhookError, create_endpoint, endpoints_with_health, get_endpoint, redeliver, redeliver_failed,
    set_enabled, update_endpoint,
)

router = Router(tags=["webhooks 推送"])

EventTypeName = Literal[tuple(EventType.values)]
DeliveryStateName = Literal[tuple(DeliveryState.values)]
PAGE_LIMIT = 200
ID = 2**53  # ids above this cannot be ours (and SQLite cannot even compare them)
Id = Annotated[int, Field(ge=1, le=ID)]


class EndpointIn(In):
    url: str = Field(..., max_length=500, description="接收地址 / the receiver's http(s) URL",
                     examples=["https://erp.example.com/hooks/yundan"])
    events: list[EventTypeName] = Field(..., min_length=1, description="订阅的事件 / event types wanted",
                                        examples=[["package.shipped", "tracking.updated"]])
    description: str = Field("", max_length=200, examples=["旺店通 ERP"])


class EndpointPatch(In):
    url: str | None = Field(None, max_length=500)
    events: list[EventTypeName] | None = Field(None, min_length=1)
    description: str | None = Field(None, max_length=200)


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[EventTypeName]
    enabled: bool
    health: Literal["healthy", "failing", "disabled"] = Field(
        description="healthy 正常 · failing 最近的发送失败 · disabled 已停用（投递等待，启用后发送）")
    disabled_reason: str
    disabled_at: datetime | None
    consecutive_failures: int = Field(description="上次成功以来连续失败的次数 / failed tries since the last success")
    failing_since: datetime | None
    last_success_at: datetime | None
    pending: int = Field(description="等待发送的投递 / deliveries waiting")
    failed: int = Field(description="重试用尽、已放弃的投递 / deliveries whose retries ran out")
    created_at: datetime


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="签名密钥，用它验证 webhook-signature / the signing secret (Standard Webhooks)",
                        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class SecretOut(Schema):
    secret: str = Field(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event_id: str = Field(description="webhook-id：重试和重新投递都不变 / the same on every retry", examples=["msg_01KB1GKW80SQE702SXC680W3RZ"])
    type: EventTypeName
    occurred_at: datetime
    state: DeliveryStateName = Field(description="pending 等待发送 · delivered 已送达 · failed 已放弃")
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    next_before: int | None = Field(description="下一页（更早的）：?before=这个值 / pass as ?before= for older ones")


class AttemptOut(Schema):
    number: int
    at: datetime
    status_code: int | None
    duration_ms: int
    response_excerpt: str = Field(description="响应开头（最多 1000 字）/ the answer's first 1,000 characters")
    error: str


class DeliveryDetailOut(DeliveryOut):
    payload: dict = Field(description="发送的 JSON（每次相同）/ the JSON body sent, the same on every try")
    attempt_log: list[AttemptOut]


class DeliveryFilter(In):
    state: DeliveryStateName | None = None
    before: int | None = Field(None, ge=1, le=ID, description="只看编号小于它的（上一页的 next_before）")
    limit: int = Field(50, ge=1, le=PAGE_LIMIT)


class RedeliveredOut(Schema):
    redelivered: int


def _webhook_error(error: WebhookError) -> ApiError:
    if error.missing:
        return ApiError(404, error.text, code="not_found")
    return ApiError(422, error.text, fields=[(error.field, error.text)] if error.field else ())


def _endpoint(pk: int):
    try:
        return get_endpoint(pk)
    except WebhookError as error:
        raise _webhook_error(error) from None


def _endpoint_out(health: Health) -> dict:
    endpoint = health.endpoint
    return {
        "id": endpoint.pk, "url": endpoint.url, "description": endpoint.description, "events": endpoint.events,
        "enabled": endpoint.enabled, "health": health.state, "disabled_reason": endpoint.disabled_reason,
        "disabled_at": iso_time(endpoint.disabled_at), "consecutive_failures": endpoint.consecutive_failures,
        "failing_since": iso_time(endpoint.failing_since), "last_success_at": iso_time(endpoint.last_success_at),
        "pending": health.pending, "failed": health.failed, "created_at": iso_time(endpoint.created_at),
    }


def _one(pk: int) -> dict:
    [health] = endpoints_with_health(pk=pk)
    return _endpoint_out(health)


def _delivery_out(delivery: Delivery) -> dict:
    return {
        "id": delivery.pk, "endpoint_id": delivery.endpoint_id, "event_id": delivery.event_id,
        "type": delivery.event.type, "occurred_at": iso_time(delivery.event.created_at), "state": delivery.state,
        "attempts": delivery.attempts, "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
        "next_attempt_at": iso_time(delivery.next_attempt_at), "delivered_at": iso_time(delivery.delivered_at),
    }


@router.get("/endpoints", response={200: list[EndpointOut], **errors()}, summary="Webhook 端点列表 / list endpoints",
            operation_id="list_webhook_endpoints")
def list_endpoints(request):
    """Every endpoint with its health: waiting and given-up deliveries, failures since the last success."""
    return [_endpoint_out(health) for health in endpoints_with_health()]


@router.post("/endpoints", auth=auth.write, response={201: EndpointCreatedOut, **errors(400, 403)},
             summary="添加端点 / add an endpoint", operation_id="create_webhook_endpoint")
def create(request, payload: EndpointIn):
    """A new endpoint, enabled, with a fresh ``whsec_…`` signing secret (returned here; later from
    ``GET /webhooks/endpoints/{id}/secret``). Events from now on are delivered to it."""
    try:
        endpoint = create_endpoint(payload.url, payload.events, payload.description)
    except WebhookError as error:
        raise _webhook_error(error) from None
    return Status(201, _one(endpoint.pk) | {"secret": endpoint.secret})


@router.get("/endpoints/{endpoint_id}", response={200: EndpointOut, **errors(404)},
            summary="一个端点 / an endpoint", operation_id="get_webhook_endpoint")
def get(request, endpoint_id: Id):
    return _one(_endpoint(endpoint_id).pk)


@router.patch("/endpoints/{endpoint_id}", auth=auth.write, response={200: EndpointOut, **errors(400, 403, 404)},
              summary="修改端点 / change an endpoint", operation_id="update_webhook_endpoint")
def update(request, endpoint_id: Id, payload: EndpointPatch):
    """Change the URL, the events or the description; what is omitted stays."""
    try:
        update_endpoint(_endpoint(endpoint_id), **payload.model_dump(exclude_none=True))
    except WebhookError as error:
        raise _webhook_error(error) from None
    return _one(endpoint_id)


@router.delete("/endpoints/{endpoint_id}", auth=auth.write, response={204: None, **errors(403, 404)},
               summary="删除端点 / delete an endpoint", operation_id="delete_webhook_endpoint")
def delete(request, endpoint_id: Id):
    """The endpoint goes with its deliveries and their attempts: nothing more is sent to it."""
    _endpoint(endpoint_id).delete()
    return HttpResponse(status=204)


@router.get("/endpoints/{endpoint_id}/secret", auth=auth.write, response={200: SecretOut, **errors(403, 404)},
            summary="签名密钥 / the signing secret", operation_id="get_webhook_secret")
def secret(request, endpoint_id: Id):
    return {"secret": _endpoint(endpoint_id).secret}


@router.post("/endpoints/{endpoint_id}/enable", auth=auth.write, response={200: EndpointOut, **errors(403, 404)},
             summary="启用端点 / enable", operation_id="enable_webhook_endpoint")
def enable(request, endpoint_id: Id):
    """Enable again (after a run of failures, or by hand): the failure count starts over and every
    delivery that waited is sent at once."""
    set_enabled(_endpoint(endpoint_id), True)
    return _one(endpoint_id)


@router.post("/endpoints/{endpoint_id}/disable", auth=auth.write, response={200: EndpointOut, **errors(403, 404)},
             summary="停用端点 / disable", operation_id="disable_webhook_endpoint")
def disable(request, endpoint_id: Id):
    """Stop sending; new events still get deliveries, which wait until the endpoint is enabled."""
    set_enabled(_endpoint(endpoint_id), False)
    return _one(endpoint_id)


@router.get("/endpoints/{endpoint_id}/deliveries", response={200: DeliveryPageOut, **errors(404)},
            summary="端点的投递记录 / an endpoint's deliveries", operation_id="list_webhook_deliveries")
def deliveries(request, endpoint_id: Id, filters: Query[DeliveryFilter]):
    """Newest first; ``state`` filters, ``before`` pages (``next_before`` of the previous page)."""
    rows = Delivery.objects.filter(endpoint=_endpoint(endpoint_id)).select_related("event").order_by("-pk")
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.before:
        rows = rows.filter(pk__lt=filters.before)
    page = list(rows[:filters.limit + 1])
    more = len(page) > filters.limit
    page = page[:filters.limit]
    return {"items": [_delivery_out(d) for d in page], "next_before": page[-1].pk if more else None}


def _delivery(delivery_id: int) -> Delivery:
    found = Delivery.objects.select_related("event").filter(pk=delivery_id).first()
    if found is None:
        raise ApiError(404, f"投递 #{delivery_id} 不存在 (unknown delivery)", code="not_found")
    return found


@router.get("/deliveries/{delivery_id}", response={200: DeliveryDetailOut, **errors(404)},
            summary="一个投递及其每次发送 / a delivery with its attempts", operation_id="get_webhook_delivery")
def delivery(request, delivery_id: Id):
    found = _delivery(delivery_id)
    return _delivery_out(found) | {
        "payload": json.loads(body_of(found.event)),
        "attempt_log": [{"number": a.number, "at": iso_time(a.at), "status_code": a.status_code,
                         "duration_ms": a.duration_ms, "response_excerpt": a.response_excerpt, "error": a.error}
                        for a in found.attempt_log.order_by("number")],
    }


@router.post("/deliveries/{delivery_id}/redeliver", auth=auth.write, response={200: DeliveryOut, **errors(403, 404)},
             summary="重新投递 / send again", operation_id="redeliver_webhook")
def redeliver_one(request, delivery_id: Id):
    """Send again at once, whatever its state, with the same ``webhook-id`` (receivers dedupe by it)
    and a fresh retry schedule."""
    redeliver([_delivery(delivery_id).pk])
    return _delivery_out(_delivery(delivery_id))


@router.post("/endpoints/{endpoint_id}/redeliver-failed", auth=auth.write,
             response={200: RedeliveredOut, **errors(403, 404)},
             summary="重新投递所有已放弃的 / send every given-up delivery again",
             operation_id="redeliver_failed_webhooks")
def redeliver_all_failed(request, endpoint_id: Id):
    return {"redelivered": redeliver_failed(_endpoint(endpoint_id).pk)}
