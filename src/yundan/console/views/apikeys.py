"""Console pages: 设置 → API 密钥 (admins only) — create a key (shown once), list keys masked, revoke.

The rules live in yundan.api.keys; only the key's SHA-256 is stored, so the page that answers the
creation is the only place the whole key ever appears (a reload does not show it again).
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yundan.api.keys import create_key, revoke_key
from yundan.api.models import ApiKey, Scope
from yundan.console.access import admin_required


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100, required=False,
                           help_text=gettext_lazy("用途，例如 ERP 的名称"))
    scope = forms.ChoiceField(label=gettext_lazy("权限"), choices=Scope.choices, initial=Scope.READ,
                              help_text=gettext_lazy("只读：查询订单、包裹、物流、异常，收货人信息脱敏；读写：另可写入订单、确认发货、处理异常，收货人信息完整。"))


@admin_required
def apikeys(request):
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = create_key(form.cleaned_data["scope"], form.cleaned_data["name"], created_by=request.user)
        form = ApiKeyForm()
    rows = ApiKey.objects.select_related("created_by")
    return render(request, "console/settings/apikeys.html", {
        "section": "settings", "rows": rows, "form": form, "created": created,
    })


@admin_required
@require_POST
def apikey_revoke(request, pk: int):
    api_key = revoke_key(get_object_or_404(ApiKey, pk=pk).prefix)
    messages.success(request, _("已吊销密钥 %(prefix)s：使用它的请求从现在起被拒绝") % {"prefix": api_key.prefix})
    return redirect("settings-apikeys")


urlpatterns = [
    path("apikeys/", apikeys, name="settings-apikeys"),
    path("apikeys/<int:pk>/revoke/", apikey_revoke, name="settings-apikey-revoke"),
]
