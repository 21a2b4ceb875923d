from django.db import models

from yundan.exceptions.kinds import CLOSED_STATES, ExceptionAction, ExceptionKind, ExceptionState


class ParcelException(models.Model):
    """One thing that went wrong with one package, worked from open to an end.

    At most one unfinished exception per package and kind: the sweep can run any number of times.
    """

    package = models.ForeignKey("shipping.Package", on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField("类型", max_length=20, choices=ExceptionKind.choices)
    state = models.CharField("状态", max_length=24, choices=ExceptionState.choices, default=ExceptionState.OPEN)
    reason = models.TextField("原因")
    opened_at = models.DateTimeField("发现时间")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Resolution: the new package of a resend (补发), or the refunded amount (退款).
    resend_package = models.ForeignKey("shipping.Package", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="resent_for")
    refund_amount = models.DecimalField("退款金额", max_digits=10, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "异常件"
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "kind"], condition=~models.Q(state__in=sorted(CLOSED_STATES)),
                name="one_unfinished_exception_per_kind",
            )
        ]
        indexes = [
            models.Index(fields=["state", "kind", "opened_at"], name="exception_queue_idx"),
            models.Index(fields=["opened_at"], name="exception_opened_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.get_state_display()}"


class ExceptionLogEntry(models.Model):
    """Who did what to an exception, when, and what it moved it to. Written for every action,
    including the sweep's own (opened, auto-closed)."""

    SYSTEM_ACTIONS = [("opened", "发现"), ("auto_closed", "自动关闭")]

    exception = models.ForeignKey(ParcelException, on_delete=models.CASCADE, related_name="log")
    action = models.CharField("操作", max_length=20, choices=ExceptionAction.choices + SYSTEM_ACTIONS)
    actor = models.CharField("操作人", max_length=150)
    at = models.DateTimeField("时间")
    note = models.TextField("备注", blank=True)
    state_before = models.CharField(max_length=24, blank=True)
    state_after = models.CharField(max_length=24)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "异常处理记录"
        ordering = ["at", "id"]
