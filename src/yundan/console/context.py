from yundan.console.roles import ROLES, can_act, role_of


def console(request):
    """What every console page needs to know about the user: their role, and whether they may act."""
    role = role_of(request.user) if hasattr(request, "user") else None
    return {"console_role": role, "console_role_label": ROLES.get(role, ""), "can_act": bool(role) and can_act(request.user)}
