from django.db import models

from yundan.tracking.statuses import TrackingStatus


class TrackingEvent(models.Model):
    """One scan or status line of a package, normalized, with the carrier's raw code and text.

    ``content_hash`` identifies the event by what it says (see tracking.events.content_hash), so
    the same event arriving twice — by poll and by push, or from a resumed batch — is stored once.
    """

    package = models.ForeignKey("shipping.Package", on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField("时间")
    status = models.CharField("状态", max_length=20, choices=TrackingStatus.choices)
    raw_code = models.CharField("原始代码", max_length=64, blank=True)
    raw_text = models.TextField("轨迹描述")
    location = models.CharField("地点", max_length=200, blank=True)
    courier_name = models.CharField("快递员", max_length=50, blank=True)
    courier_phone = models.CharField("快递员电话", max_length=32, blank=True)
    source = models.CharField("来源", max_length=32)
    # Later than the package's first terminal event (签收异常): kept, shown, never reopens it.
    after_terminal = models.BooleanField("签收后事件", default=False, db_default=False)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "物流轨迹"
        ordering = ["-time", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "content_hash"], name="event_unique_content")
        ]
        indexes = [models.Index(fields=["package", "time"], name="event_package_time_idx")]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.raw_text}"
