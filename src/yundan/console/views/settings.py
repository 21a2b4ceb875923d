"""Console pages: 设置 (admins only) — shops, carrier accounts, exception thresholds, users and roles.

Carrier secrets are never sent back to the browser: the list shows them through ``shown_settings``
and the form renders them as empty password inputs, where blank keeps the stored value.
"""

import dataclasses

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yundan.carriers.accounts import build, complete_settings, kind_of, mask_secret, shown_settings
from yundan.carriers.base import CarrierError, CarrierKind
from yundan.carriers.kinds import KINDS
from yundan.carriers.models import CarrierAccount
from yundan.carriers.registry import carrier_name
from yundan.carriers.sandbox.adapter import SandboxCarrier
from yundan.console.access import admin_required
from yundan.console.roles import ADMIN, ROLES, set_role
from yundan.console.views import apikeys as apikey_pages
from yundan.console.views import webhooks as webhook_pages
from yundan.exceptions.kinds import ExceptionKind
from yundan.exceptions.rules import Thresholds
from yundan.orders.models import Shop
from yundan.shipping.waybills import CARRIER_NAMES
from yundan.tracking.schedule import DEFAULT_INTERVAL_MINUTES, Policy
from yundan.tracking.statuses import status_label

# Kinds an admin adds accounts of: the sandbox needs none.
ACCOUNT_KINDS = [kind for kind in KINDS.values() if kind.keys]
COURIERS = [(SandboxCarrier.code, carrier_name(SandboxCarrier.code)), *CARRIER_NAMES.items()]


@admin_required
def index(request):
    return render(request, "console/settings/index.html", {
        "section": "settings",
        "shops": Shop.objects.count(),
        "accounts": CarrierAccount.objects.count(),
        "enabled_accounts": CarrierAccount.objects.filter(enabled=True).count(),
        "users": get_user_model().objects.filter(is_active=True).count(),
    })


# --- shops ---------------------------------------------------------------------------------------

class ShopForm(forms.ModelForm):
    default_carrier = forms.ChoiceField(label=gettext_lazy("默认承运商"), choices=COURIERS)

    class Meta:
        model = Shop
        fields = ["name", "default_carrier", "sender_name", "sender_phone", "sender_province", "sender_city",
                  "sender_district", "sender_address"]


@admin_required
def shops(request):
    rows = list(Shop.objects.order_by("name"))
    for row in rows:
        row.carrier_label = carrier_name(row.default_carrier)
    return render(request, "console/settings/shops.html", {"section": "settings", "shops": rows})


@admin_required
def shop(request, pk: int):
    row = get_object_or_404(Shop, pk=pk)
    form = ShopForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存店铺「%(name)s」") % {"name": row.name})
        return redirect("settings-shops")
    return render(request, "console/settings/shop.html", {"section": "settings", "shop": row, "form": form})


# --- carrier accounts ----------------------------------------------------------------------------

def _setting_field(key) -> str:
    return f"setting_{key.name}"


class AccountForm(forms.Form):
    """An account of one kind: its name, its shop, and one field per setting of the kind."""

    name = forms.CharField(label=gettext_lazy("名称"), max_length=64)
    shop = forms.ModelChoiceField(Shop.objects.order_by("name"), required=False, label=gettext_lazy("店铺"),
                                  empty_label=gettext_lazy("全部店铺（共用）"))

    def __init__(self, kind: CarrierKind, account: CarrierAccount | None = None, data=None):
        stored = account.settings if account else {}
        initial = {"name": account.name, "shop": account.shop_id} if account else {}
        super().__init__(data, initial=initial)
        self.kind, self.account = kind, account
        for key in kind.keys:
            if key.secret:
                saved = stored.get(key.name, "")
                note = _("已保存 %(masked)s，留空则保留") % {"masked": mask_secret(saved)} if saved else _("密钥")
                field = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False),
                                        help_text=f"{key.help}（{note}）")
            else:
                field = forms.CharField(required=False, initial=stored.get(key.name, key.default or ""),
                                        help_text=key.help)
                if key.default:
                    field.widget.attrs["placeholder"] = key.default
            field.label = key.name + ("" if key.default is not None else " *")
            self.fields[_setting_field(key)] = field

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = CarrierAccount.objects.filter(name=name).exclude(pk=self.account.pk if self.account else None)
        if taken.exists():
            raise forms.ValidationError(_("名称「%(name)s」已被另一个账号使用") % {"name": name})
        return name

    def clean(self):
        data = super().clean()
        given = {}
        for key in self.kind.keys:
            value = data.get(_setting_field(key), "")
            if not value and key.secret and self.account:
                value = self.account.settings.get(key.name, "")
            if value:  # blank: the default
                given[key.name] = value
        try:
            self.values = complete_settings(self.kind, given)
        except CarrierError as error:
            raise forms.ValidationError(str(error)) from error
        return data

    def save(self) -> CarrierAccount:
        account = self.account or CarrierAccount(kind=self.kind.kind)
        account.name, account.shop, account.settings = self.cleaned_data["name"], self.cleaned_data["shop"], self.values
        account.save()
        return account


@admin_required
def carriers(request):
    accounts = list(CarrierAccount.objects.select_related("shop"))
    for account in accounts:
        kind, shown = kind_of(account.kind), shown_settings(account)
        account.kind_label = kind.label
        account.shown = {key.name: shown[key.name] for key in kind.keys if key.name in shown}  # the kind's order
    return render(request, "console/settings/carriers.html", {
        "section": "settings", "accounts": accounts, "kinds": ACCOUNT_KINDS,
    })


def _account_page(request, kind: CarrierKind, account: CarrierAccount | None):
    form = AccountForm(kind, account, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("已保存承运商账号「%(name)s」") % {"name": saved.name})
        return redirect("settings-carriers")
    return render(request, "console/settings/carrier.html", {
        "section": "settings", "form": form, "kind": kind, "account": account,
    })


@admin_required
def carrier_add(request, kind: str):
    if kind not in {k.kind for k in ACCOUNT_KINDS}:
        raise Http404(_("未知的账号类型「%(kind)s」") % {"kind": kind})
    return _account_page(request, KINDS[kind], None)


@admin_required
def carrier(request, pk: int):
    account = get_object_or_404(CarrierAccount, pk=pk)
    return _account_page(request, kind_of(account.kind), account)


@admin_required
@require_POST
def carrier_test(request, pk: int):
    account = get_object_or_404(CarrierAccount, pk=pk)
    try:
        answer = build(account).check()
    except CarrierError as error:
        messages.error(request, _("账号「%(name)s」测试失败：%(error)s") % {"name": account.name, "error": error})
    else:
        messages.success(request, _("账号「%(name)s」可用：%(answer)s") % {"name": account.name, "answer": answer})
    return redirect("settings-carriers")


@admin_required
@require_POST
def carrier_enabled(request, pk: int):
    account = get_object_or_404(CarrierAccount, pk=pk)
    account.enabled = request.POST.get("enabled") == "1"
    account.save(update_fields=["enabled", "updated_at"])
    done = _("已启用「%(name)s」") if account.enabled else _("已停用「%(name)s」")
    messages.success(request, done % {"name": account.name})
    return redirect("settings-carriers")


# --- thresholds (deployment settings, read-only) -------------------------------------------------

def _rule_label(name: str) -> str:
    if name == "stalled_remote":
        return _("中转停滞（偏远省份）")
    return str(ExceptionKind(name).label)


@admin_required
def thresholds(request):
    error, hours, remote = "", [], []
    try:
        limits = Thresholds.from_settings(django_settings)
    except ValueError as problem:
        error = str(problem)
    else:
        defaults = {f.name: f.default for f in dataclasses.fields(Thresholds)}
        hours = [(name, _rule_label(name), getattr(limits, name), defaults[name]) for name in Thresholds.hour_names()]
        remote = sorted(limits.remote_provinces)
    policy = Policy.from_settings(django_settings)
    intervals = [(status, status_label(status), int(every.total_seconds() // 60), DEFAULT_INTERVAL_MINUTES.get(status))
                 for status, every in policy.intervals.items()]
    return render(request, "console/settings/thresholds.html", {
        "section": "settings", "error": error, "hours": hours, "remote": remote, "intervals": intervals,
        "retire_days": policy.retire_after.days,
        "subscribed_minutes": int(policy.subscribed_interval.total_seconds() // 60),
    })


# --- users and roles -----------------------------------------------------------------------------

class NewUserForm(UserCreationForm):
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=list(ROLES.items()))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()


def _role(user) -> str:
    """The role a user holds, active or not (role_of answers None for an inactive user)."""
    if user.is_superuser:
        return ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in ROLES if role in names), "")


@admin_required
def users(request):
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        with transaction.atomic():
            user = form.save(commit=False)
            user.is_staff = role == ADMIN
            user.save()
            set_role(user, role)
        messages.success(request, _("已创建用户「%(name)s」：%(role)s") % {"name": user.username, "role": ROLES[role]})
        return redirect("settings-users")
    rows = list(get_user_model().objects.order_by("username").prefetch_related("groups"))
    for user in rows:
        user.role = _role(user)
        user.role_label = ROLES.get(user.role, "—")
    return render(request, "console/settings/users.html", {
        "section": "settings", "rows": rows, "form": form, "roles": list(ROLES.items()),
    })


def _other_user(request, pk: int):
    user = get_object_or_404(get_user_model(), pk=pk)
    if user.pk == request.user.pk:
        messages.error(request, _("不能修改自己的角色或停用自己；请让另一位管理员操作"))
        return None
    return user


@admin_required
@require_POST
def user_role(request, pk: int):
    role = request.POST.get("role", "")
    if role not in ROLES:
        messages.error(request, _("未知的角色「%(role)s」") % {"role": role})
    elif (user := _other_user(request, pk)) is not None:
        with transaction.atomic():
            user.is_staff = role == ADMIN
            user.save(update_fields=["is_staff"])
            set_role(user, role)
        messages.success(request, _("「%(name)s」的角色改为%(role)s") % {"name": user.username, "role": ROLES[role]})
    return redirect("settings-users")


@admin_required
@require_POST
def user_active(request, pk: int):
    user = _other_user(request, pk)
    if user is not None:
        user.is_active = request.POST.get("active") == "1"
        user.save(update_fields=["is_active"])
        done = _("已启用「%(name)s」") if user.is_active else _("已停用「%(name)s」")
        messages.success(request, done % {"name": user.username})
    return redirect("settings-users")


urlpatterns = [
    path("", index, name="settings"),
    path("shops/", shops, name="settings-shops"),
    path("shops/<int:pk>/", shop, name="settings-shop"),
    path("carriers/", carriers, name="settings-carriers"),
    path("carriers/add/<str:kind>/", carrier_add, name="settings-carrier-add"),
    path("carriers/<int:pk>/", carrier, name="settings-carrier"),
    path("carriers/<int:pk>/test/", carrier_test, name="settings-carrier-test"),
    path("carriers/<int:pk>/enabled/", carrier_enabled, name="settings-carrier-enabled"),
    path("thresholds/", thresholds, name="settings-thresholds"),
    path("users/", users, name="settings-users"),
    path("users/<int:pk>/role/", user_role, name="settings-user-role"),
    path("users/<int:pk>/active/", user_active, name="settings-user-active"),
    *apikey_pages.urlpatterns,  # apikeys/…
    *webhook_pages.urlpatterns,  # webhooks/…: spread, not included, so every settings page is one list here
]
