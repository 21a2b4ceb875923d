from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from yundan import clock


class Scope(models.TextChoices):
    READ = "read", pgettext_lazy("api key scope", "只读")  # not the role 只读 (Viewer)
    WRITE = "write", pgettext_lazy("api key scope", "读写")


class ApiKey(models.Model):
    """A key an ERP/OMS sends as ``Authorization: Bearer yd_<prefix>_<secret>``.

    Only the SHA-256 of the whole key is kept: the key is shown once, at creation. The prefix is
    not secret; it names the key in lists and finds its row.
    """

    name = models.CharField("名称", max_length=100, blank=True)
    prefix = models.CharField("前缀", max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField("权限", max_length=10, choices=Scope.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 密钥"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name or self.prefix} ({self.scope})"

    @property
    def masked(self) -> str:
        return f"yd_{self.prefix}_••••••••"


class IdempotentRequest(models.Model):
    """The answer to a request sent with an ``Idempotency-Key``, replayed when the same key comes again.

    ``status`` stays null while the first request is still running.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=clock.now)  # yundan's clock: the abandoned-lease check reads it

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_unique_per_api_key")]


class OrderFeedEntry(models.Model):
    """Where an order stands in the change feed: ``seq`` grows with every committed change.

    Written only by database triggers (``yundan.api.feed``), so every writer — the API, imports, JD
    sync, shipping, tracking — moves the order forward without knowing about the feed.
    """

    order = models.OneToOneField("orders.Order", primary_key=True, on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="feed_entry")
    seq = models.BigIntegerField(unique=True)
    changed_at = models.DateTimeField(db_index=True)


class ApiBatchJob(models.Model):
    """A batch query job submitted through the API, and the key that submitted it (only it reads it)."""

    job = models.OneToOneField("batch.BatchJob", primary_key=True, on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
