from django.db import models


class JdOrderSync(models.Model):
    """One shop's JD order sync: its JOS credentials and options (``settings``, see
    integrations.jd_settings) and how far it has got.

    ``synced_until`` is the watermark: every order JD modified before it has been stored (or
    recorded as rejected). It only moves forward, and only after a whole window is stored.
    """

    shop = models.OneToOneField("orders.Shop", on_delete=models.CASCADE, related_name="jd_order_sync")
    settings = models.JSONField("设置", default=dict)
    enabled = models.BooleanField("启用", default=True)
    synced_until = models.DateTimeField("已同步至", null=True, blank=True)
    last_run_at = models.DateTimeField("最近同步", null=True, blank=True)
    # Set while a run holds the shop (worker and `yundan sync jd` never pull one shop at once).
    running_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "京东订单同步"

    def __str__(self) -> str:
        return f"{self.shop} (JD)"


class JdOrder(models.Model):
    """An order as JD last sent it: its raw state and modification time, and JD's own waybill
    fields. Only orders with this row are ever reported back to JD."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="jd_order")
    sync = models.ForeignKey(JdOrderSync, on_delete=models.CASCADE, related_name="orders")
    state = models.CharField("京东订单状态", max_length=32)
    modified = models.DateTimeField("京东修改时间")
    waybill = models.TextField("京东运单号", blank=True)
    logistics_id = models.TextField("京东物流公司ID", blank=True)
    synced_at = models.DateTimeField("同步时间")

    class Meta:
        verbose_name = "京东订单"


class JdOrderRejection(models.Model):
    """An order JD sent that could not be stored, and why. Kept until the order is stored."""

    sync = models.ForeignKey(JdOrderSync, on_delete=models.CASCADE, related_name="rejections")
    order_no = models.CharField("订单号", max_length=64)
    reason = models.TextField("原因")
    modified = models.DateTimeField("京东修改时间", null=True, blank=True)
    seen_at = models.DateTimeField("最近出现")

    class Meta:
        verbose_name = "京东订单拒收"
        ordering = ["-seen_at"]
        constraints = [models.UniqueConstraint(fields=["sync", "order_no"], name="jd_rejection_unique")]


class ShipmentReportState(models.TextChoices):
    PENDING = "pending", "待回传"
    SENDING = "sending", "回传中"
    ACCEPTED = "accepted", "京东已接受"
    FAILED = "failed", "失败待重试"
    CLOSED = "closed", "不再回传"


class JdShipmentReport(models.Model):
    """Telling JD that an order shipped (``jingdong.pop.order.shipment``), once per order.

    ``sending`` is claimed in its own transaction before the call, so two workers never report
    one order at once; ``accepted`` is final.
    """

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="jd_shipment_report")
    state = models.CharField("状态", max_length=16, choices=ShipmentReportState.choices,
                             default=ShipmentReportState.PENDING)
    logistics_ids = models.TextField("物流公司ID", blank=True)  # logiCoprId as sent
    waybills = models.TextField("运单号", blank=True)  # logiNo as sent
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    last_attempt_at = models.DateTimeField("最近尝试", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    accepted_at = models.DateTimeField("接受时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "京东发货回传"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="jd_report_due_idx")]
