"""Console pages: 订单管理 — the order list (search, filters, keyset pages) and one order in full.

Thin views: finding goes through ``orders.search``, showing through ``orders.details``, acting
through the shipping and tracking services (the same ones the CLI calls).
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yundan.carriers.registry import carrier_name, is_simulated
from yundan.console.access import operator_required
from yundan.console.roles import sees_full_receiver
from yundan.orders.details import package_note, package_state_label, receiver_data, with_details
from yundan.orders.models import Order
from yundan.orders.receivers import mask_name, mask_phone
from yundan.orders.search import Cursor, OrderQuery, page_orders, search_orders
from yundan.orders.states import BLOCKED_REASONS, OrderStatus
from yundan.shipping.models import Package
from yundan.shipping.printing import print_labels
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.tracking.services import refresh_packages

PAGE_SIZE = 50
# What a list row shows of a package (see list_rows); the rest of the row stays in the database.
LISTED_PACKAGE_FIELDS = ("order_id", "sequence", "carrier", "waybill_no", "printed_at", "shipped_at", "status")
SEARCH_KEYS = ("order_no", "buyer_id", "phone", "waybill_no", "status")


@dataclass(frozen=True)
class PackageView:
    """A package with what its template shows beside the model's own fields."""

    package: Package
    label: str
    note: str
    carrier_name: str
    simulated: bool

    @property
    def status_class(self) -> str:
        return f"s-{self.package.status}" if self.package.shipped_at else ""


def package_view(package: Package, order_no: str) -> PackageView:
    return PackageView(package, package_state_label(package), package_note(package, order_no),
                       carrier_name(package.carrier), is_simulated(package.carrier))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ValueError(_("日期应写作 年-月-日，例如 2026-11-27")) from None


def _cursor(text: str) -> Cursor | None:
    try:
        return Cursor.decode(text) if text else None
    except ValueError:
        raise ValueError(_("翻页位置无效，请从第一页开始")) from None


def order_query(params) -> OrderQuery:
    """The search form as an OrderQuery; ValueError (shown on the page) when a value is wrong. NUL
    characters are dropped: nobody types one on purpose, and PostgreSQL refuses them in a query."""
    return OrderQuery(**{key: params.get(key, "").replace("\x00", "").strip() for key in SEARCH_KEYS},
                      ordered_from=_date(params.get("from", "")), ordered_to=_date(params.get("to", "")))


@dataclass(frozen=True)
class ListedPackage:
    waybill_no: str
    simulated: bool
    status_class: str
    label: str


def list_rows(orders: list[Order]) -> list[dict]:
    """The list's lines as ready text (the receiver masked for every role here). Labels are
    translated once per page, not once per cell: rendering, not the query, is what a page costs."""
    order_labels = {value: str(label) for value, label in OrderStatus.choices}
    package_labels: dict[tuple, str] = {}

    def listed(package: Package) -> ListedPackage:
        key = (package.status, bool(package.shipped_at), bool(package.printed_at))
        if key not in package_labels:
            package_labels[key] = package_state_label(package)
        return ListedPackage(package.waybill_no or "—", is_simulated(package.carrier),
                             f"s-{package.status}" if package.shipped_at else "", package_labels[key])

    return [
        {"pk": order.pk, "order_no": order.order_no,
         "ordered_at": localtime(order.ordered_at).strftime("%Y-%m-%d %H:%M") if order.ordered_at else "—",
         "status": order_labels.get(order.status, order.status), "buyer_id": order.buyer_id or "—",
         "receiver": mask_name(order.receiver_name), "phone": mask_phone(order.receiver_phone),
         "packages": [listed(p) for p in order.packages.all()]}
        for order in orders
    ]


def order_list(request):
    error, page = "", None
    try:
        page = page_orders(search_orders(order_query(request.GET)), PAGE_SIZE,
                           after=_cursor(request.GET.get("after", "")), before=_cursor(request.GET.get("before", "")))
    except ValueError as problem:
        error = str(problem)
    orders = page.orders if page else []
    prefetch_related_objects(orders, Prefetch("packages", Package.objects.only(*LISTED_PACKAGE_FIELDS)))
    return render(request, "console/orders/list.html", {
        "section": "orders", "error": error, "rows": list_rows(orders), "sandbox": _("沙箱"),
        "next_after": page.next.encode() if page and page.next else "",
        "previous_before": page.previous.encode() if page and page.previous else "",
        "statuses": OrderStatus.choices, "form": request.GET,
    })


def detail_context(request, order: Order) -> dict:
    packages = [package_view(p, order.order_no) for p in order.packages.all()]
    unconfirmed = [p for p in packages if p.package.is_printed_but_unconfirmed]
    return {
        "section": "orders", "order": order, "packages": packages,
        "receiver": receiver_data(order, unmask=sees_full_receiver(request.user)),
        "unconfirmed_note": unconfirmed[0].note if unconfirmed else "",
        "simulated": any(p.simulated for p in packages),
        "can_print": order.status not in BLOCKED_REASONS,
        "can_ship": order.status == OrderStatus.AWAITING_SHIPMENT,
    }


def _detailed(pk: int) -> Order:
    return get_object_or_404(with_details(Order.objects.all()), pk=pk)


def order_detail(request, pk: int):
    return render(request, "console/orders/detail.html", detail_context(request, _detailed(pk)))


@require_POST
@operator_required
def order_refresh(request, pk: int):
    """查看物流: ask the carriers now. htmx gets the packages again; a plain form goes back."""
    order = get_object_or_404(Order, pk=pk)
    outcomes = refresh_packages(list(Package.objects.filter(order=order).select_related("order__shop")))
    problems = [f"{o.package.waybill_no}：{o.error}" for o in outcomes if o.error]
    done = _("已刷新物流：%(count)d 条新轨迹") % {"count": sum(o.new_events for o in outcomes)}
    if request.headers.get("HX-Request"):
        context = {**detail_context(request, _detailed(pk)), "refresh_done": done, "refresh_problems": problems}
        return render(request, "console/orders/_packages.html", context)
    messages.success(request, done)
    for problem in problems:
        messages.error(request, problem)
    return redirect("order", pk=pk)


@require_POST
@operator_required
def order_labels(request, pk: int):
    """打印面单: the PDF of the order's labels, or back to the order with the reason."""
    order = get_object_or_404(Order, pk=pk)
    result = print_labels([order.order_no])
    if not result.pdf:
        for failure in result.failures:
            messages.error(request, _("打印面单失败：%(reason)s") % {"reason": failure.reason})
        return redirect("order", pk=pk)
    response = HttpResponse(result.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=labels-{order.order_no}.pdf"
    return response


@require_POST
@operator_required
def order_ship(request, pk: int):
    """确认发货: the waybills become the order's logistics numbers."""
    order = get_object_or_404(Order, pk=pk)
    [result] = confirm_shipments([ShipmentRequest(order.order_no)])
    if result.ok:
        messages.success(request, _("已确认发货，物流单号：%(waybills)s") % {"waybills": "、".join(result.waybill_nos)})
    else:
        messages.error(request, _("确认发货失败：%(reason)s") % {"reason": result.error})
    return redirect("order", pk=pk)


urlpatterns = [
    path("", order_list, name="orders"),
    path("<int:pk>/", order_detail, name="order"),
    path("<int:pk>/refresh/", order_refresh, name="order-refresh"),
    path("<int:pk>/labels/", order_labels, name="order-labels"),
    path("<int:pk>/ship/", order_ship, name="order-ship"),
]
