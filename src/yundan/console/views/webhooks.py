"""Console pages: 设置 → Webhook 推送 (admins only) — endpoints with their health, add and edit,
enable and disable, the signing secret (masked, revealed on request), each endpoint's deliveries and
their attempts, and redelivery. The rules live in yundan.webhooks.services.
"""

import json

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yundan.carriers.accounts import mask_secret
from yundan.console.access import admin_required
from yundan.webhooks.delivery import body_of
from yundan.webhooks.events import EventType
from yundan.webhooks.models import Delivery, DeliveryState, Endpoint
from yundan.webhooks.services import (
    WebhookError, checked_events, checked_url, create_endpoint, endpoints_with_health, redeliver, redeliver_failed,
    set_enabled, update_endpoint,
)

PAGE = 50  # deliveries per page, newest first
_SHOW_SECRET = "webhook-secret-shown"  # session key: the endpoint whose secret the next view shows once


class EndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("接收地址 URL"), max_length=500,
                          widget=forms.URLInput(attrs={"placeholder": "https://erp.example.com/hooks/yundan"}))
    description = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=gettext_lazy("订阅的事件"), choices=EventType.choices,
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(value, f"{label} · {value}") for value, label in EventType.choices]

    def _checked(self, check, name):
        try:
            return check(self.cleaned_data[name])
        except WebhookError as error:
            raise forms.ValidationError(error.text) from None

    def clean_url(self):
        return self._checked(checked_url, "url")

    def clean_events(self):
        return self._checked(checked_events, "events")


def _page(request, template: str, **context):
    return render(request, f"console/settings/{template}", {"section": "settings", **context})


@admin_required
def endpoints(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = create_endpoint(**form.cleaned_data)
        request.session[_SHOW_SECRET] = endpoint.pk
        messages.success(request, _("已添加 Webhook 端点 #%(id)s，请把下面的签名密钥配置到接收方") % {"id": endpoint.pk})
        return redirect("settings-webhook", pk=endpoint.pk)
    return _page(request, "webhooks.html", rows=endpoints_with_health(), form=form)


def _deliveries(endpoint: Endpoint, state: str, before: str):
    rows = endpoint.deliveries.select_related("event").order_by("-pk")
    if state in DeliveryState.values:
        rows = rows.filter(state=state)
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(rows[:PAGE + 1])
    return page[:PAGE], page[PAGE - 1].pk if len(page) > PAGE else None


@admin_required
def endpoint(request, pk: int):
    row = get_object_or_404(Endpoint, pk=pk)
    initial = {"url": row.url, "description": row.description, "events": row.events}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        update_endpoint(row, **form.cleaned_data)
        messages.success(request, _("已保存 Webhook 端点 #%(id)s") % {"id": row.pk})
        return redirect("settings-webhook", pk=row.pk)
    state, before = request.GET.get("state", ""), request.GET.get("before", "")
    deliveries, older = _deliveries(row, state, before)
    [health] = endpoints_with_health(pk=row.pk)
    return _page(request, "webhooks_endpoint.html", endpoint=row, health=health, form=form, deliveries=deliveries,
                 older=older, state=state, states=DeliveryState.choices,
                 masked=mask_secret(row.secret), secret=row.secret if request.session.pop(_SHOW_SECRET, None) == row.pk else "")


@admin_required
@require_POST
def reveal_secret(request, pk: int):
    """The whole secret, on an admin's request: an htmx fragment, or the page showing it."""
    row = get_object_or_404(Endpoint, pk=pk)
    if request.headers.get("HX-Request"):
        return render(request, "console/settings/webhooks_secret.html", {"secret": row.secret})
    request.session[_SHOW_SECRET] = row.pk
    return redirect("settings-webhook", pk=row.pk)


@admin_required
@require_POST
def endpoint_enabled(request, pk: int):
    row = set_enabled(get_object_or_404(Endpoint, pk=pk), request.POST.get("enabled") == "1")
    if row.enabled:
        messages.success(request, _("已启用端点 #%(id)s；等待中的投递将立即发送") % {"id": row.pk})
    else:
        messages.success(request, _("已停用端点 #%(id)s；新的投递会等待，启用后发送") % {"id": row.pk})
    if request.POST.get("back") == "endpoint":
        return redirect("settings-webhook", pk=row.pk)
    return redirect("settings-webhooks")


@admin_required
@require_POST
def endpoint_delete(request, pk: int):
    row = get_object_or_404(Endpoint, pk=pk)
    row.delete()
    messages.success(request, _("已删除端点 #%(id)s %(url)s 及其投递记录") % {"id": pk, "url": row.url})
    return redirect("settings-webhooks")


@admin_required
@require_POST
def endpoint_redeliver_failed(request, pk: int):
    count = redeliver_failed(get_object_or_404(Endpoint, pk=pk).pk)
    messages.success(request, _("已安排重新投递 %(count)s 个已放弃的投递") % {"count": count})
    return redirect("settings-webhook", pk=pk)


@admin_required
def delivery(request, pk: int):
    row = get_object_or_404(Delivery.objects.select_related("event", "endpoint"), pk=pk)
    payload = json.dumps(json.loads(body_of(row.event)), ensure_ascii=False, indent=2)
    return _page(request, "webhooks_delivery.html", delivery=row, endpoint=row.endpoint, payload=payload,
                 attempts=row.attempt_log.order_by("-number"))


@admin_required
@require_POST
def delivery_redeliver(request, pk: int):
    row = get_object_or_404(Delivery, pk=pk)
    redeliver([row.pk])
    messages.success(request, _("已安排重新投递 %(event)s（事件编号不变）") % {"event": row.event_id})
    if request.POST.get("back") == "endpoint":
        return redirect("settings-webhook", pk=row.endpoint_id)
    return redirect("settings-webhook-delivery", pk=pk)


urlpatterns = [
    path("webhooks/", endpoints, name="settings-webhooks"),
    path("webhooks/<int:pk>/", endpoint, name="settings-webhook"),
    path("webhooks/<int:pk>/secret/", reveal_secret, name="settings-webhook-secret"),
    path("webhooks/<int:pk>/enabled/", endpoint_enabled, name="settings-webhook-enabled"),
    path("webhooks/<int:pk>/delete/", endpoint_delete, name="settings-webhook-delete"),
    path("webhooks/<int:pk>/redeliver-failed/", endpoint_redeliver_failed, name="settings-webhook-redeliver-failed"),
    path("webhooks/deliveries/<int:pk>/", delivery, name="settings-webhook-delivery"),
    path("webhooks/deliveries/<int:pk>/redeliver/", delivery_redeliver, name="settings-webhook-redeliver"),
]
