"""Console roles as Django groups: what each may do. Plain functions; views check through them.

- admin: everything, including settings and users;
- operator: everything on orders, shipping and exceptions;
- viewer: reads only, and sees receivers' phones masked.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Group
from django.utils.translation import gettext_lazy as _

ADMIN, OPERATOR, VIEWER = "admin", "operator", "viewer"
ROLES = {ADMIN: _("管理员"), OPERATOR: _("操作员"), VIEWER: _("只读")}  # lazy: str() them for text
_RANK = {VIEWER: 0, OPERATOR: 1, ADMIN: 2}


def ensure_groups() -> None:
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def role_of(user: AbstractBaseUser) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True)) if not hasattr(user, "_role_names") else user._role_names
    user._role_names = names
    return max((n for n in names if n in _RANK), key=_RANK.__getitem__, default=None)


def has_role(user, needed: str) -> bool:
    role = role_of(user)
    return role is not None and _RANK[role] >= _RANK[needed]


def can_act(user) -> bool:
    """Operators and admins change things; viewers only look."""
    return has_role(user, OPERATOR)


def sees_full_receiver(user) -> bool:
    return has_role(user, OPERATOR)


def set_role(user, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"未知的角色「{role}」，可选：{'、'.join(ROLES)}")
    ensure_groups()
    user.groups.set([Group.objects.get(name=role)])
