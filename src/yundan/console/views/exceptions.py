"""Console pages: 异常件处理 — the queue, one exception (timeline, actions, log), and its actions.

The pages read through ``exceptions.queue`` and act through ``exceptions.services.act``; a phone
revealed by 联系买家 is shown once on the page that answers the action and is never stored.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yundan import clock
from yundan.carriers.registry import carrier_name
from yundan.carriers.sandbox.adapter import SandboxCarrier
from yundan.console.access import operator_required
from yundan.exceptions.kinds import ExceptionAction, ExceptionKind, ExceptionState
from yundan.exceptions.models import ExceptionLogEntry, ParcelException
from yundan.exceptions.queue import age_hours, parse_age, queue
from yundan.exceptions.services import act
from yundan.exceptions.workflow import IllegalMove, allowed_actions
from yundan.orders.receivers import mask_name, mask_phone
from yundan.tracking.statuses import status_label

PER_PAGE = 50
ACTION_LABELS = dict(ExceptionLogEntry._meta.get_field("action").choices)
STATE_LABELS = dict(ExceptionState.choices)


def duration(hours: float) -> str:
    """52.5 → "2天4小时"; 5.5 → "5.5小时"."""
    if hours < 24:
        return _("%(hours)s小时") % {"hours": f"{hours:g}"}
    return _("%(days)d天%(hours)d小时") % {"days": hours // 24, "hours": hours % 24}


def exception_list(request):
    kind, state = request.GET.get("kind", ""), request.GET.get("state", "")
    older_than, show_all = request.GET.get("older_than", "").strip(), bool(request.GET.get("all"))
    error = ""
    try:
        rows = queue(kind, state, parse_age(older_than) if older_than else None, unfinished=not show_all)
    except ValueError as problem:
        error, rows = str(problem), ParcelException.objects.none()
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    now = clock.now()
    for exception in page:
        exception.age = duration(age_hours(exception, now))
        exception.last_action_label = ACTION_LABELS.get(exception.last_action, exception.last_action or "")
    return render(request, "console/exceptions/list.html", {
        "section": "exceptions", "page": page, "error": error,
        "kinds": ExceptionKind.choices, "states": ExceptionState.choices,
        "kind": kind, "state": state, "older_than": older_than, "show_all": show_all,
    })


def _detail(request, exception: ParcelException, contact: dict | None = None, contact_action: str = ""):
    package, order = exception.package, exception.package.order
    log = list(exception.log.all())
    for entry in log:
        entry.label = ACTION_LABELS.get(entry.action, entry.action)
        entry.before_label = STATE_LABELS.get(entry.state_before, entry.state_before)
        entry.after_label = STATE_LABELS.get(entry.state_after, entry.state_after)
    events = list(package.events.all())
    for event in events:
        event.label = status_label(event.status)
    return render(request, "console/exceptions/detail.html", {
        "section": "exceptions",
        "exception": exception, "package": package, "order": order, "events": events, "log": log,
        "age": duration(age_hours(exception, clock.now())),
        "carrier_label": carrier_name(package.carrier),
        "sandbox": package.carrier == SandboxCarrier.code,
        "package_status": status_label(package.status),
        "receiver_name": mask_name(order.receiver_name), "receiver_phone": mask_phone(order.receiver_phone),
        "actions": [(action, ExceptionAction(action).label) for action in allowed_actions(exception.state)],
        "contact": contact, "contact_action": contact_action,
    })


def exception_detail(request, pk: int):
    exception = get_object_or_404(ParcelException.objects.select_related("package__order", "resend_package"), pk=pk)
    return _detail(request, exception)


@require_POST
@operator_required
def exception_act(request, pk: int):
    action = request.POST.get("action", "")
    try:
        result = act(pk, action, actor=request.user.username, note=request.POST.get("note", ""),
                     amount=request.POST.get("amount") or None)
    except IllegalMove as error:
        messages.error(request, str(error))
        return redirect("exception", pk=pk)
    messages.success(request, result.message)
    if result.contact:
        # Shown on this answer only: a reload would ask again (and be logged again).
        return _detail(request, result.exception, result.contact, action)
    return redirect("exception", pk=pk)


urlpatterns = [
    path("", exception_list, name="exceptions"),
    path("<int:pk>/", exception_detail, name="exception"),
    path("<int:pk>/act/", exception_act, name="exception-act"),
]
