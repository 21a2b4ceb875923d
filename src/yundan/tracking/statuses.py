"""The normalized tracking-status taxonomy: one set of states for every carrier.

Each carrier adapter maps its own codes onto these values and keeps the raw code and text on
the event; nothing else in yundan looks at raw carrier codes.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class TrackingStatus(models.TextChoices):
    PENDING = "pending", _("待揽收")
    PICKED_UP = "picked_up", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    OUT_FOR_DELIVERY = "out_for_delivery", _("派送中")
    AWAITING_PICKUP = "awaiting_pickup", _("待取件")
    DELIVERED = "delivered", _("已签收")
    DELIVERY_FAILED = "delivery_failed", _("派送失败")
    REJECTED = "rejected", _("拒签")
    RETURNING = "returning", _("退回中")
    RETURNED = "returned", _("已退回")
    EXCEPTION = "exception", _("疑难/异常")
    LOST = "lost", _("丢失")


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
    """Label of a normalized status as a plain str, in the active language (Chinese unless a console
    user reads English); an unknown value is shown as itself."""
    try:
        return str(TrackingStatus(status).label)
    except ValueError:
        return status


def chinese_status_label(status: str) -> str:
    """The Chinese label whatever language is active: for reasons, notes and messages written in Chinese."""
    with translation.override(None):
        return status_label(status)
