"""Console pages: 物流工具 — batch query (a background job), batch label printing, batch shipment."""

import io
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yundan import clock
from yundan.batch.models import BatchJob
from yundan.batch.reading import ACCEPTED
from yundan.batch.tasks import plain_suffix, submit_batch_job
from yundan.console.access import operator_required
from yundan.console.roles import ADMIN, has_role
from yundan.shipping.labels import DEFAULT_SIZE, LABEL_SIZES
from yundan.shipping.order_lists import ListedOrder, ListError, read_order_list
from yundan.shipping.printing import print_labels
from yundan.shipping.shipment import GivenWaybill, ShipmentRequest, ShipmentResult, confirm_shipments

MAX_UPLOAD_BYTES = 50 * 2**20
RECENT_JOBS = 20
# What the batch query's reader and read_order_list read, for the page and the file picker.
FILE_TYPES = {"accepted": ACCEPTED, "accept": ACCEPTED.replace(" ", ",")}
# Pasted order numbers: one per line, or separated by spaces, commas or semicolons (either width).
SEPARATORS = re.compile(r"[\s,，;；、]+")


def index(request):
    return render(request, "console/tools/index.html", {"section": "tools"})


# --- 批量查询 -------------------------------------------------------------------------------------


def _size_problem(upload) -> str:
    if upload.size <= MAX_UPLOAD_BYTES:
        return ""
    return _("文件太大（%(size).1f MB）：最大 %(limit)d MB，请拆分后分别上传") % {
        "size": upload.size / 2**20, "limit": MAX_UPLOAD_BYTES // 2**20}


class BatchQueryForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("订单号或运单号文件"))
    as_csv = forms.BooleanField(required=False, label=gettext_lazy("输出 CSV"))
    refresh = forms.BooleanField(required=False, label=gettext_lazy("先向承运商刷新较旧的物流"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if problem := _size_problem(upload):
            raise forms.ValidationError(problem)
        return upload


def batch_query(request):
    """Upload a file to query (any role: it only reads), and the user's recent jobs."""
    form = BatchQueryForm(request.POST, request.FILES) if request.method == "POST" else BatchQueryForm()
    if form.is_bound and form.is_valid():
        job = submit_batch_job(request.user, form.cleaned_data["file"], as_csv=form.cleaned_data["as_csv"],
                               refresh=form.cleaned_data["refresh"])
        return redirect("tools-batch-job", job_id=job.pk)
    jobs = BatchJob.objects.filter(created_by=request.user)[:RECENT_JOBS]
    return render(request, "console/tools/batch_query.html",
                  {"section": "tools", "form": form, "jobs": jobs, "max_mb": MAX_UPLOAD_BYTES // 2**20,
                   **FILE_TYPES})


def _visible_job(request, job_id: int) -> BatchJob:
    """The job, for its creator and for admins; anybody else is told it does not exist."""
    job = get_object_or_404(BatchJob, pk=job_id)
    if job.created_by_id != request.user.pk and not has_role(request.user, ADMIN):
        raise Http404
    return job


def batch_job(request, job_id: int):
    """The job's progress (htmx polls the status part every second until it ends), then its result."""
    job = _visible_job(request, job_id)
    if request.headers.get("HX-Request"):
        return render(request, "console/tools/_job_status.html", {"job": job})
    return render(request, "console/tools/batch_job.html", {"section": "tools", "job": job})


def batch_download(request, job_id: int):
    job = _visible_job(request, job_id)
    result = Path(job.output_path)
    if job.state != BatchJob.State.DONE or not result.is_file():
        raise Http404
    name = f"{_('批量查询结果')}-{Path(job.input_name).stem}{result.suffix}"
    return FileResponse(result.open("rb"), as_attachment=True, filename=name)


# --- order lists: selected, pasted or uploaded ------------------------------------------------------


class OrderListError(ValueError):
    """The form names no order, or its list file cannot be read."""


def _read_list_file(upload) -> tuple[list[ListedOrder], list[ListError]]:
    if problem := _size_problem(upload):
        raise OrderListError(problem)
    stored_name = f"list{plain_suffix(upload.name)}"
    with tempfile.TemporaryDirectory(prefix="yundan-list-") as folder:
        stored = Path(folder) / stored_name
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            return read_order_list(stored)
        except ValueError as error:
            raise OrderListError(str(error).replace(stored_name, upload.name)) from error


def _requested_orders(request) -> tuple[list[ListedOrder], list[ListError]]:
    """The orders a POST names: selected on the order list (repeated ``order_no``), pasted into
    ``order_nos``, or listed in an uploaded ``list_file`` (with waybill and carrier, optionally)."""
    typed = [*request.POST.getlist("order_no"), *SEPARATORS.split(request.POST.get("order_nos", ""))]
    listed = [ListedOrder(0, number.strip()) for number in typed if number.strip()]
    errors: list[ListError] = []
    if upload := request.FILES.get("list_file"):
        from_file, errors = _read_list_file(upload)
        listed += from_file
    if not listed and not errors:
        raise OrderListError(_("请输入订单号，或上传订单列表文件"))
    return listed, errors


def _order_form(request, **extra) -> dict:
    """The order-number form's context; the box shows the numbers handed over or typed, so that they
    are still there when the form comes back with an error."""
    data = request.POST if request.method == "POST" else request.GET
    typed = "\n".join(filter(None, [*data.getlist("order_no"), data.get("order_nos", "").strip()]))
    return {"section": "tools", "order_nos": typed, **FILE_TYPES, **extra}


def _list_problem(error: ListError) -> str:
    return _("第 %(row)s 行 %(order_no)s：%(reason)s") % {"row": error.row, "order_no": error.order_no,
                                                        "reason": error.reason}


# --- 批量打印面单 ---------------------------------------------------------------------------------


def labels(request):
    """GET: the form (read-only for a viewer); POST: print."""
    if request.method == "POST":
        return _print(request)
    return render(request, "console/tools/labels.html", _labels_context(request))


def _labels_context(request, **extra) -> dict:
    return _order_form(request, **{"sizes": list(LABEL_SIZES), "size": DEFAULT_SIZE, **extra})


@operator_required
def _print(request):
    """One PDF of every printable order's labels; what could not be printed is said on the page."""
    size = request.POST.get("size") or DEFAULT_SIZE
    if size not in LABEL_SIZES:
        return render(request, "console/tools/labels.html",
                      _labels_context(request, error=_("未知的面单尺寸：%(size)s") % {"size": size}))
    try:
        listed, errors = _requested_orders(request)
    except OrderListError as error:
        return render(request, "console/tools/labels.html", _labels_context(request, size=size, error=str(error)))
    result = print_labels([row.order_no for row in listed], size)
    problems = [_list_problem(e) for e in errors] + [f"{f.order_no}：{f.reason}" for f in result.failures]
    if not result.labels:
        return render(request, "console/tools/labels.html",
                      _labels_context(request, size=size, problems=problems,
                                      error=_("没有打印任何面单") if problems else _("没有可打印的面单")))
    if problems:
        messages.warning(request, _("已打印 %(labels)d 张面单；未打印：%(problems)s")
                         % {"labels": result.labels, "problems": "；".join(problems)})
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M%S")
    return FileResponse(io.BytesIO(result.pdf), as_attachment=True, filename=f"{_('面单')}-{size}-{stamp}.pdf",
                        content_type="application/pdf")


# --- 批量发货 -------------------------------------------------------------------------------------


def ship(request):
    """GET: the form (read-only for a viewer); POST: confirm shipment."""
    if request.method == "POST":
        return _ship(request)
    return render(request, "console/tools/ship.html", _order_form(request))


@operator_required
def _ship(request):
    """Confirm each order on its own and show every order's result, list-file rows that could not
    be used included."""
    try:
        listed, errors = _requested_orders(request)
    except OrderListError as error:
        return render(request, "console/tools/ship.html", _order_form(request, error=str(error)))
    given: dict[str, list[GivenWaybill]] = defaultdict(list)
    for row in listed:
        given[row.order_no].extend([GivenWaybill(row.carrier, row.waybill_no)] if row.waybill_no else [])
    results = [ShipmentResult(e.order_no, False, error=_list_problem(e)) for e in errors]
    results += confirm_shipments([ShipmentRequest(number, waybills=tuple(waybills))
                                  for number, waybills in given.items()])
    return render(request, "console/tools/ship.html",
                  _order_form(request, order_nos="", results=results, shipped=sum(r.ok for r in results),
                                failed=sum(not r.ok for r in results)))


urlpatterns = [
    path("", index, name="tools"),
    path("batch-query/", batch_query, name="tools-batch-query"),
    path("batch-query/<int:job_id>/", batch_job, name="tools-batch-job"),
    path("batch-query/<int:job_id>/download/", batch_download, name="tools-batch-download"),
    path("labels/", labels, name="tools-labels"),
    path("ship/", ship, name="tools-ship"),
]
