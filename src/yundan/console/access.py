"""View decorators for the roles (see roles.py): 403 with a plain explanation when not allowed."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from yundan.console.roles import ADMIN, OPERATOR, has_role


def role_required(role: str):
    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not has_role(request.user, role):
                raise PermissionDenied("你的角色不能执行这个操作 (your role may not do this)")
            return view(request, *args, **kwargs)

        return checked

    return decorate


operator_required = role_required(OPERATOR)
admin_required = role_required(ADMIN)
