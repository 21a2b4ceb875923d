"""The normalized tracking-status taxonomy: one set of states for every carrier.

Each carrier adapter maps its own codes onto these values and keeps the raw code and text on
the event; nothing else in yundan looks at raw carrier codes.
"""

from django.db import models


class TrackingStatus(models.TextChoices):
    PENDING = "pending", "待揽收"
    PICKED_UP = "picked_up", "已揽收"
    IN_TRANSIT = "in_transit", "运输中"
    OUT_FOR_DELIVERY = "out_for_delivery", "派送中"
    AWAITING_PICKUP = "awaiting_pickup", "待取件"
    DELIVERED = "delivered", "已签收"
    DELIVERY_FAILED = "delivery_failed", "派送失败"
    REJECTED = "rejected", "拒签"
    RETURNING = "returning", "退回中"
    RETURNED = "returned", "已退回"
    EXCEPTION = "exception", "疑难/异常"
    LOST = "lost", "丢失"


TERMINAL_STATUSES = frozenset(
    {TrackingStatus.DELIVERED, TrackingStatus.RETURNED, TrackingStatus.LOST}
)

# Statuses that need a person as soon as the carrier reports them (DESIGN.md §1, Exceptions).
PROBLEM_STATUSES = frozenset(
    {
        TrackingStatus.DELIVERY_FAILED,
        TrackingStatus.REJECTED,
        TrackingStatus.RETURNING,
        TrackingStatus.RETURNED,
        TrackingStatus.EXCEPTION,
        TrackingStatus.LOST,
    }
)


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES


def status_label(status: str) -> str:
    """Chinese label of a normalized status; an unknown value is shown as itself."""
    try:
        return TrackingStatus(status).label
    except ValueError:
        return status
