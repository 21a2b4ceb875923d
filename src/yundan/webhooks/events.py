"""The events yundan sends to webhook endpoints, and the stable JSON each one carries.

Every payload is ``{"type", "timestamp", "data"}`` (the Standard Webhooks layout). ``data`` names
things by id and number — order, waybill, carrier, statuses, times in ISO-8601 with offset — and
never carries the receiver's name, phone or address: an ERP that needs them asks the API.
docs/webhooks.md shows an example of each.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    PACKAGE_SHIPPED = "package.shipped", _("包裹已发货")
    TRACKING_UPDATED = "tracking.updated", _("物流状态变化")
    EXCEPTION_OPENED = "exception.opened", _("发现异常件")
    EXCEPTION_RESOLVED = "exception.resolved", _("异常件已结束")
    ORDER_UPDATED = "order.updated", _("订单新建或变化")


def parse_event_types(values) -> list[str]:
    """``"package.shipped,tracking.updated"`` or a list of names → the known types, in our order.

    Raises ValueError naming the unknown ones and the allowed names."""
    if isinstance(values, str):
        values = values.split(",")
    given = {value.strip() for value in values if value and value.strip()}
    unknown = sorted(given - set(EventType.values))
    if unknown:
        raise ValueError(f"未知的事件类型 {', '.join(unknown)}；可选：{', '.join(EventType.values)}")
    if not given:
        raise ValueError(f"至少选择一种事件：{', '.join(EventType.values)}")
    return [value for value in EventType.values if value in given]


def iso_time(moment: datetime | None) -> str | None:
    """ISO-8601 with offset, in the configured time zone (TIME_ZONE, Beijing by default) whoever
    caused the event (the request's active zone is not read: that costs more than the rest)."""
    return moment.astimezone(timezone.get_default_timezone()).isoformat() if moment else None


def order_ref(order_id: int, order_no: str, shop_id: int) -> dict:
    return {"id": order_id, "order_no": order_no, "shop_id": shop_id}


def package_ref(package_id: int, sequence: int, carrier: str, waybill_no: str | None,
                shipped_at: datetime | None) -> dict:
    return {"id": package_id, "sequence": sequence, "carrier": carrier, "waybill_no": waybill_no,
            "shipped_at": iso_time(shipped_at)}


def of_package(package) -> dict:
    """The ``order`` and ``package`` blocks of a package event, from a Package with its order."""
    order = package.order
    return {"order": order_ref(order.pk, order.order_no, order.shop_id),
            "package": package_ref(package.pk, package.sequence, package.carrier, package.waybill_no,
                                   package.shipped_at)}


def package_shipped(package, resend: bool) -> dict:
    return of_package(package) | {"resend": resend}


def tracking_updated(refs: dict, status: str, previous_status: str, last_event_at: datetime | None,
                     last_event_text: str) -> dict:
    """``refs``: the ``order`` and ``package`` blocks; the latest event's text is the carrier's own."""
    return refs | {"status": status, "previous_status": previous_status,
                   "last_event": {"time": iso_time(last_event_at), "text": last_event_text}}


def _exception(exception) -> dict:
    return {"id": exception.pk, "kind": exception.kind, "state": exception.state, "reason": exception.reason,
            "opened_at": iso_time(exception.opened_at)}


def exception_opened(exception) -> dict:
    return of_package(exception.package) | {"exception": _exception(exception)}


def exception_resolved(exception, action: str) -> dict:
    """``action``: the workflow action that ended it, or ``auto_closed`` when the sweep closed it."""
    resend = exception.resend_package
    refund: Decimal | None = exception.refund_amount
    return of_package(exception.package) | {"exception": _exception(exception) | {
        "closed_at": iso_time(exception.closed_at), "closed_by_action": action,
        "resend_waybill_no": resend.waybill_no if resend else None,
        "refund_amount": str(refund) if refund is not None else None,
    }}


def order_updated(order, created: bool) -> dict:
    return {"order": order_ref(order.pk, order.order_no, order.shop_id) | {
        "status": order.status, "ordered_at": iso_time(order.ordered_at), "updated_at": iso_time(order.updated_at),
    }, "created": created}
