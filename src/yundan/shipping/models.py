from django.db import models

from yundan.tracking.statuses import TrackingStatus


class Package(models.Model):
    """One physical parcel. One order has one or more; one waybill number is exactly one package.

    The waybill number is allocated at print time; the package becomes the order's logistics
    number and tracking starts only when shipment is confirmed (``shipped_at``).
    """

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="packages")
    sequence = models.PositiveSmallIntegerField("包裹序号", default=1)
    carrier = models.CharField("承运商", max_length=32)
    waybill_no = models.CharField("运单号", max_length=40, null=True, blank=True)
    printed_at = models.DateTimeField("打印时间", null=True, blank=True)
    print_count = models.PositiveIntegerField("打印次数", default=0)
    shipped_at = models.DateTimeField("发货时间", null=True, blank=True)
    # The carrier's pre-sort answer at allocation (carriers.base.Routing), kept for reprints.
    routing = models.JSONField("分拣信息", default=dict, blank=True)
    weight_kg = models.DecimalField("重量(kg)", max_digits=7, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        "物流状态", max_length=20, choices=TrackingStatus.choices, default=TrackingStatus.PENDING
    )
    last_event_at = models.DateTimeField("最新轨迹时间", null=True, blank=True)
    last_event_text = models.TextField("最新轨迹", blank=True)
    next_refresh_at = models.DateTimeField("下次刷新", null=True, blank=True)
    # Carrier questions about this package (tracking.schedule.Checks): per-waybill query limits.
    last_checked_at = models.DateTimeField("最近查询", null=True, blank=True)
    checks_window_start = models.DateTimeField(null=True, blank=True)
    checks_in_window = models.PositiveIntegerField(default=0, db_default=0)
    subscribed_at = models.DateTimeField("订阅推送时间", null=True, blank=True)
    # The merchant asked the carrier to intercept it and send it back (exception center).
    return_requested_at = models.DateTimeField("申请退回时间", null=True, blank=True)
    # Polling stopped after a long time without change: a lost candidate.
    retired_at = models.DateTimeField("停止跟踪", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "包裹"
        ordering = ["order_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "waybill_no"],
                condition=models.Q(waybill_no__isnull=False),
                name="waybill_unique_per_carrier",
            ),
            models.UniqueConstraint(fields=["order", "sequence"], name="package_sequence_unique"),
        ]
        indexes = [
            models.Index(fields=["waybill_no"], name="package_waybill_idx"),
            models.Index(fields=["next_refresh_at"], name="package_refresh_idx"),
        ]

    def __str__(self) -> str:
        return self.waybill_no or f"{self.order_id}#{self.sequence}"

    @property
    def is_printed_but_unconfirmed(self) -> bool:
        return self.printed_at is not None and self.shipped_at is None


class PackageItem(models.Model):
    """Which order items, and how many of each, travel in a package (split shipments)."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "包裹商品"
        constraints = [
            models.UniqueConstraint(fields=["package", "order_item"], name="package_item_unique")
        ]
