"""The exception vocabulary: kinds, states and actions (a public contract for scripts and the API)."""

from django.db import models


class ExceptionKind(models.TextChoices):
    PICKUP_TIMEOUT = "pickup_timeout", "揽收超时"
    NO_TRACE = "no_trace", "无轨迹"
    STALLED = "stalled", "中转停滞"
    DELIVERY_TIMEOUT = "delivery_timeout", "派送超时"
    UNCOLLECTED = "uncollected", "驿站/柜超时未取"
    DELIVERY_FAILED = "delivery_failed", "派送失败"
    REJECTED = "rejected", "拒签"
    RETURNED = "returned", "退回"
    LOST = "lost", "丢失"
    SUSPECTED_LOST = "suspected_lost", "疑似丢件"
    SIGN_ANOMALY = "sign_anomaly", "签收异常"


# Opened by the clock; closed by the sweep itself when the package recovers.
TIME_BASED = frozenset({
    ExceptionKind.PICKUP_TIMEOUT, ExceptionKind.NO_TRACE, ExceptionKind.STALLED,
    ExceptionKind.DELIVERY_TIMEOUT, ExceptionKind.UNCOLLECTED, ExceptionKind.SUSPECTED_LOST,
})


class ExceptionState(models.TextChoices):
    OPEN = "open", "待处理"
    IN_PROGRESS = "in_progress", "处理中"
    RETURN_REQUESTED = "return_requested", "已申请退回"
    RETURNED_TO_WAREHOUSE = "returned_to_warehouse", "已退回仓库"
    RESOLVED = "resolved", "已解决"
    CLOSED = "closed", "已关闭"


CLOSED_STATES = frozenset({ExceptionState.RESOLVED, ExceptionState.CLOSED})


class ExceptionAction(models.TextChoices):
    CONTACT_BUYER = "contact_buyer", "联系买家"
    CONTACT_COURIER = "contact_courier", "联系快递员"
    NOTE = "note", "备注"
    REQUEST_RETURN = "request_return", "申请退回"
    MARK_RETURNED = "mark_returned", "确认已退回仓库"
    RESEND = "resend", "补发"
    REFUND = "refund", "退款"
    CLOSE = "close", "关闭"
