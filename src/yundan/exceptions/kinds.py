"""The exception vocabulary: kinds, states and actions (a public contract for scripts and the API)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExceptionKind(models.TextChoices):
    PICKUP_TIMEOUT = "pickup_timeout", _("揽收超时")
    NO_TRACE = "no_trace", _("无轨迹")
    STALLED = "stalled", _("中转停滞")
    DELIVERY_TIMEOUT = "delivery_timeout", _("派送超时")
    UNCOLLECTED = "uncollected", _("驿站/柜超时未取")
    DELIVERY_FAILED = "delivery_failed", _("派送失败")
    REJECTED = "rejected", _("拒签")
    RETURNED = "returned", _("退回")
    LOST = "lost", _("丢失")
    SUSPECTED_LOST = "suspected_lost", _("疑似丢件")
    SIGN_ANOMALY = "sign_anomaly", _("签收异常")


# Opened by the clock; closed by the sweep itself when the package recovers.
TIME_BASED = frozenset({
    ExceptionKind.PICKUP_TIMEOUT, ExceptionKind.NO_TRACE, ExceptionKind.STALLED,
    ExceptionKind.DELIVERY_TIMEOUT, ExceptionKind.UNCOLLECTED, ExceptionKind.SUSPECTED_LOST,
})


class ExceptionState(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("处理中")
    RETURN_REQUESTED = "return_requested", _("已申请退回")
    RETURNED_TO_WAREHOUSE = "returned_to_warehouse", _("已退回仓库")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


CLOSED_STATES = frozenset({ExceptionState.RESOLVED, ExceptionState.CLOSED})


class ExceptionAction(models.TextChoices):
    CONTACT_BUYER = "contact_buyer", _("联系买家")
    CONTACT_COURIER = "contact_courier", _("联系快递员")
    NOTE = "note", _("备注")
    REQUEST_RETURN = "request_return", _("申请退回")
    MARK_RETURNED = "mark_returned", _("确认已退回仓库")
    RESEND = "resend", _("补发")
    REFUND = "refund", _("退款")
    CLOSE = "close", _("关闭")
