"""Webhooks out: endpoints, the outbox of events, one delivery per event and endpoint, one attempt per try.

An event row is written in the same transaction as the change it reports (the outbox), with one
delivery row per endpoint that wants it; the worker sends due deliveries and records each try.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yundan.webhooks.events import EventType


class Endpoint(models.Model):
    """A URL an ERP/OMS listens on, the events it wants, and its signing secret (``whsec_…``)."""

    url = models.URLField("地址", max_length=500)
    description = models.CharField("说明", max_length=200, blank=True)
    events = models.JSONField("订阅的事件", default=list)  # EventType values
    secret = models.CharField("签名密钥", max_length=100)
    enabled = models.BooleanField("启用", default=True)
    disabled_reason = models.CharField("停用原因", max_length=300, blank=True)
    disabled_at = models.DateTimeField("停用时间", null=True, blank=True)
    # Health: the run of failed attempts since the last success (webhooks.retry.should_disable).
    failing_since = models.DateTimeField("连续失败开始", null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField("连续失败次数", default=0)
    last_success_at = models.DateTimeField("最近成功", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Webhook 端点"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """One thing that happened, as sent: ``id`` is the ``webhook-id`` header, the same on every retry."""

    id = models.CharField(primary_key=True, max_length=40)  # msg_…, time-ordered
    type = models.CharField("事件", max_length=40, choices=EventType.choices)
    data = models.JSONField("内容")
    created_at = models.DateTimeField("发生时间")

    class Meta:
        verbose_name = "Webhook 事件"
        indexes = [models.Index(fields=["created_at"], name="webhook_event_created_idx")]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("等待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("已放弃")


class Delivery(models.Model):
    """One event to one endpoint: pending until a 2xx answer, or failed when its retries run out.

    ``next_attempt_at`` is when it is due; a worker that claims it pushes it out by a lease first,
    so no other worker sends it at the same time (webhooks.delivery.claim_due)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField("状态", max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    next_attempt_at = models.DateTimeField("下次发送", null=True, blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    # Failed tries since the last (re)delivery began: the step of the retry schedule.
    retry_step = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField("最近状态码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Webhook 投递"
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_event_endpoint")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "state", "id"], name="webhook_delivery_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.state})"


class Attempt(models.Model):
    """One HTTP try of a delivery: what came back (status, a bounded excerpt) or why nothing did."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField("第几次")
    at = models.DateTimeField("时间")
    status_code = models.PositiveSmallIntegerField("状态码", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("耗时(毫秒)")
    response_excerpt = models.TextField("响应摘录", blank=True)
    error = models.CharField("错误", max_length=300, blank=True)

    class Meta:
        verbose_name = "Webhook 发送记录"
        ordering = ["delivery_id", "number"]
        indexes = [models.Index(fields=["delivery", "number"], name="webhook_attempt_idx")]

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
