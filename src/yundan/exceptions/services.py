"""The exception center's services: the sweep that opens and auto-closes exceptions, and the
actions a person takes on one. Commands, the console and the API call these."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from yundan import clock
from yundan.carriers.accounts import carrier_for
from yundan.carriers.base import CarrierError
from yundan.exceptions.kinds import CLOSED_STATES, TIME_BASED, ExceptionAction, ExceptionKind, ExceptionState
from yundan.exceptions.models import ExceptionLogEntry, ParcelException
from yundan.exceptions.rules import EventFact, PackageFacts, Thresholds, detect
from yundan.exceptions.workflow import IllegalMove, next_state
from yundan.orders.receivers import mask_name, mask_phone
from yundan.shipping.models import Package
from yundan.shipping.shipment import ShipmentRequest, confirm_one
from yundan.text import chinese
from yundan.tracking.models import TrackingEvent
from yundan.tracking.services import trace_query
from yundan.tracking.statuses import TERMINAL_STATUSES
from yundan.webhooks import outbox

SYSTEM = "system"
CHUNK = 1000
# Terminal packages are still swept this long after their last event or our last change to them:
# a rejection, a loss or an event after delivery is seen even when the package has already ended.
RECENT_TERMINAL = timedelta(days=7)
# The sweep closes only exceptions nobody has started working on the return path of.
AUTO_CLOSABLE = frozenset({ExceptionState.OPEN, ExceptionState.IN_PROGRESS})


@dataclass
class SweepResult:
    checked: int = 0
    opened: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    closed: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _log(exception: ParcelException, action: str, actor: str, before: str, note: str = "",
         amount: Decimal | None = None) -> ExceptionLogEntry:
    return ExceptionLogEntry.objects.create(
        exception=exception, action=action, actor=actor, at=clock.now(), note=note,
        state_before=before, state_after=exception.state, amount=amount,
    )


def _candidates():
    now = clock.now()
    live = Q(shipped_at__isnull=False) & ~Q(status__in=sorted(TERMINAL_STATUSES))
    recent = Q(shipped_at__isnull=False) & (
        Q(last_event_at__gte=now - RECENT_TERMINAL) | Q(updated_at__gte=now - RECENT_TERMINAL))
    unfinished = Q(exceptions__state__in=sorted(AUTO_CLOSABLE), exceptions__kind__in=sorted(TIME_BASED))
    return Package.objects.filter(live | recent | unfinished).distinct().order_by("pk").values_list("pk", flat=True)


def _facts(ids: list[int]) -> dict[int, tuple[PackageFacts, bool]]:
    """Each package's facts for the rules, and whether the merchant asked for it back."""
    events: dict[int, list[EventFact]] = defaultdict(list)
    rows = TrackingEvent.objects.filter(package_id__in=ids).order_by("package_id", "time", "id").values_list(
        "package_id", "time", "status", "location", "raw_text", "after_terminal")
    for package_id, time, status, location, text, late in rows:
        events[package_id].append(EventFact(time, status, location, text, late))
    packages = Package.objects.filter(pk__in=ids).values_list(
        "pk", "shipped_at", "status", "order__receiver_province", "order__receiver_city", "return_requested_at")
    return {
        pk: (PackageFacts(shipped, status, tuple(events[pk]), province, city), asked_back is not None)
        for pk, shipped, status, province, city, asked_back in packages
    }


def _already_handled(kind: str, earlier: list[ParcelException], last_change) -> bool:
    """Whether a finished exception of this kind already covers what the package shows now: for a
    carrier-reported kind, any earlier one (the events that raised it are still there); for a
    time-based one, one finished after the package last changed."""
    if kind not in TIME_BASED:
        return bool(earlier)
    return any(e.closed_at and last_change and e.closed_at >= last_change for e in earlier)


def _open(package_id: int, kind: str, reason: str, result: SweepResult) -> None:
    try:
        with transaction.atomic():
            exception = ParcelException.objects.create(
                package_id=package_id, kind=kind, reason=reason, opened_at=clock.now())
            _log(exception, "opened", SYSTEM, "", reason)
            outbox.exception_opened(exception)
    except IntegrityError:
        return  # another sweep opened it a moment ago
    result.opened[kind] += 1


def _auto_close(exception: ParcelException, status_label: str, result: SweepResult) -> None:
    before = exception.state
    exception.state, exception.closed_at = ExceptionState.CLOSED, clock.now()
    exception.save(update_fields=["state", "closed_at", "updated_at"])
    _log(exception, "auto_closed", SYSTEM, before, f"包裹已恢复（当前物流状态：{status_label}），自动关闭")
    outbox.exception_resolved(exception, "auto_closed")
    result.closed[exception.kind] += 1


def _sweep_chunk(ids: list[int], thresholds: Thresholds, result: SweepResult) -> None:
    from yundan.tracking.statuses import chinese_status_label

    facts = _facts(ids)
    existing: dict[int, list[ParcelException]] = defaultdict(list)
    for exception in ParcelException.objects.filter(package_id__in=ids):
        existing[exception.package_id].append(exception)
    now = clock.now()
    for package_id, (package, asked_back) in facts.items():
        found = detect(package, now, thresholds)
        if asked_back:
            found.pop(ExceptionKind.RETURNED, None)  # coming back because the merchant asked for it
        mine = existing[package_id]
        last_change = package.events[-1].time if package.events else package.shipped_at
        for kind, reason in found.items():
            unfinished = [e for e in mine if e.kind == kind and e.state not in CLOSED_STATES]
            finished = [e for e in mine if e.kind == kind and e.state in CLOSED_STATES]
            if not unfinished and not _already_handled(kind, finished, last_change):
                _open(package_id, kind, reason, result)
        for exception in mine:
            if exception.kind in TIME_BASED and exception.state in AUTO_CLOSABLE and exception.kind not in found:
                with transaction.atomic():
                    _auto_close(exception, chinese_status_label(package.status), result)
    result.checked += len(facts)


def sweep(progress: Callable[[int], None] | None = None) -> SweepResult:
    """Open what the rules find and close time-based exceptions whose package recovered.

    Idempotent: one unfinished exception per package and kind however often it runs."""
    thresholds = Thresholds.from_settings(settings)
    result = SweepResult()
    ids = list(_candidates())
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        _sweep_chunk(chunk, thresholds, result)
        if progress:
            progress(len(chunk))
    return result


@dataclass
class ActResult:
    exception: ParcelException
    message: str
    contact: dict[str, str] | None = None  # who to call, shown to the operator in full


def _contact_buyer(exception: ParcelException) -> tuple[str, dict[str, str]]:
    order = exception.package.order
    contact = {"name": order.receiver_name, "phone": order.receiver_phone}
    return f"已查看买家联系方式 {mask_name(order.receiver_name)} {mask_phone(order.receiver_phone)}", contact


def _contact_courier(exception: ParcelException) -> tuple[str, dict[str, str] | None]:
    latest = exception.package.events.exclude(courier_phone="").order_by("-time", "-id").first()
    if latest is None:
        return "轨迹中没有快递员信息，请联系承运商客服", None
    contact = {"name": latest.courier_name, "phone": latest.courier_phone, "place": latest.location}
    return f"已查看快递员联系方式 {latest.courier_name} {latest.courier_phone}（{latest.location}）", contact


def _request_return(exception: ParcelException) -> str:
    package = exception.package
    try:
        carrier = carrier_for(package.order.shop_id, package.carrier)
        answer = carrier.request_return([trace_query(package)]).get(package.waybill_no, "")
    except CarrierError as error:
        # No online interception: the request still stands, made by phone.
        return f"承运商不支持在线拦截（{error}），请电话联系快递员退回"
    if answer:
        raise IllegalMove(f"承运商拒绝拦截：{answer}")
    package.return_requested_at = clock.now()
    package.save(update_fields=["return_requested_at", "updated_at"])
    return f"已向{carrier.name}申请拦截退回"


def _resend(exception: ParcelException) -> str:
    order = exception.package.order
    before = set(order.packages.values_list("pk", flat=True))
    result = confirm_one(ShipmentRequest(order.order_no, resend=True))
    new = order.packages.exclude(pk__in=before).order_by("-sequence").first()
    exception.resend_package = new
    return f"已补发，新运单号 {new.waybill_no}" if new else f"已补发：{', '.join(result.waybill_nos)}"


def _refund(exception: ParcelException, amount: str | None) -> tuple[str, Decimal]:
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01")) if amount not in (None, "") else None
    except InvalidOperation:
        value = None
    if value is None or value <= 0:
        raise IllegalMove(f"退款需要正数金额（--amount），收到：{amount!r}")
    paid = exception.package.order.amount
    if paid is not None and value > paid:
        raise IllegalMove(f"退款金额 {value} 超过订单金额 {paid}")
    exception.refund_amount = value
    return f"已退款 ¥{value}", value


def act(exception_id: int, action: str, *, actor: str, note: str = "", amount: str | None = None) -> ActResult:
    """Do one workflow action, atomically, and log it with who, when and the note.

    Illegal moves raise ``IllegalMove`` with the reason; nothing is changed then."""
    with transaction.atomic():
        exception = (ParcelException.objects.select_for_update(of=("self",))
                     .select_related("package__order__shop").filter(pk=exception_id).first())
        if exception is None:
            raise IllegalMove(f"异常 #{exception_id} 不存在 (unknown exception)")
        before = exception.state
        target = next_state(before, action)
        contact, money = None, None
        if action == ExceptionAction.CLOSE and not note.strip():
            raise IllegalMove("关闭异常需要说明原因（--note）")
        if action == ExceptionAction.CONTACT_BUYER:
            message, contact = _contact_buyer(exception)
        elif action == ExceptionAction.CONTACT_COURIER:
            message, contact = _contact_courier(exception)
        elif action == ExceptionAction.REQUEST_RETURN:
            message = _request_return(exception)
        elif action == ExceptionAction.RESEND:
            try:
                message = _resend(exception)
            except (ValueError, CarrierError) as error:
                raise IllegalMove(f"补发失败：{error}") from error
        elif action == ExceptionAction.REFUND:
            message, money = _refund(exception, amount)
        else:
            message = chinese(ExceptionAction(action).label)
        exception.state = target
        if target in CLOSED_STATES and exception.closed_at is None:
            exception.closed_at = clock.now()
        exception.save()
        _log(exception, action, actor, before, "；".join(filter(None, [message, note.strip()])), money)
        if target in CLOSED_STATES and before not in CLOSED_STATES:
            outbox.exception_resolved(exception, action)
    return ActResult(exception, message, contact)
