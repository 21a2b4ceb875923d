"""Every console URL refuses an anonymous request; login works; roles are enforced."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from yundan.console.roles import ROLES

from factories import CONSOLE_PASSWORD as PASSWORD

pytestmark = pytest.mark.django_db

PUBLIC = {"healthz", "readyz", "kuaidi100-push", "login", "track", "track-waybill", "my-order"}


def console_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "api/v1/":
            continue  # the REST API refuses by key, not by login: tests/api/test_every_operation.py
        if isinstance(entry, URLResolver):
            yield from console_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name not in PUBLIC:
            yield entry.name, prefix + str(entry.pattern)


def sample_path(route: str) -> str:
    """A concrete path for a route: every converter gets a plausible value."""
    import re

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if (m.group(1) or "str") == "int" else "x", route)


def test_every_console_url_refuses_an_anonymous_request(client):
    patterns = list(console_patterns())
    assert len(patterns) >= 10
    for name, route in patterns:
        for method in (client.get, client.post):
            response = method(sample_path(route))
            assert response.status_code in (302, 405), (name, route, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/login/"), (name, route)


def test_a_wrong_password_is_refused_and_a_right_one_lands_on_the_orders(client, django_user_model):
    django_user_model.objects.create_user(username="ops", password=PASSWORD)
    assert client.post("/login/", {"username": "ops", "password": "nope"}).status_code == 200
    response = client.post("/login/", {"username": "ops", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/orders/"


def test_the_users_command_creates_each_role(capsys):
    import io
    import sys

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from yundan.console.roles import role_of

    for role in ROLES:
        sys.stdin = io.StringIO(PASSWORD + "\n")
        try:
            call_command("users", "create", f"u-{role}", "--role", role, "--password-stdin")
        finally:
            sys.stdin = sys.__stdin__
        user = get_user_model().objects.get(username=f"u-{role}")
        assert role_of(user) == role and user.check_password(PASSWORD)
        assert user.password.startswith("argon2")


def test_the_users_command_refuses_a_weak_password_and_creates_nothing():
    import io
    import sys

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.management.base import CommandError

    sys.stdin = io.StringIO("12345678\n")
    try:
        with pytest.raises(CommandError, match="密码不合格"):
            call_command("users", "create", "weak", "--role", "viewer", "--password-stdin")
    finally:
        sys.stdin = sys.__stdin__
    assert not get_user_model().objects.filter(username="weak").exists()
