import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yundan.api.keys import create_key, key_for_token, revoke_key
from yundan.api.models import ApiKey

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_its_hash():
    new = create_key("read", "ERP")

    stored = ApiKey.objects.get()
    assert new.token.startswith(f"yd_{stored.prefix}_")
    assert new.token.split("_")[2] not in (stored.secret_hash, stored.prefix, stored.name)
    assert key_for_token(new.token) == stored


def test_a_wrong_secret_a_malformed_or_a_revoked_key_finds_nothing():
    new = create_key("write")
    prefix = new.api_key.prefix

    assert key_for_token(f"yd_{prefix}_{'x' * 40}") is None
    assert key_for_token("not-a-key") is None
    revoke_key(prefix)
    assert key_for_token(new.token) is None


def test_an_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="未知的权限"):
        create_key("admin")


def test_the_command_creates_lists_and_revokes(capsys):
    call_command("apikeys", "create", "--scope", "write", "--name", "金蝶 ERP")
    token = capsys.readouterr().out.strip()
    assert key_for_token(token).name == "金蝶 ERP"

    call_command("apikeys", "list", "--json")
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["scope"] == "write" and token not in json.dumps(listed)
    assert listed["key"].startswith(f"yd_{listed['prefix']}_") and listed["revoked_at"] is None

    call_command("apikeys", "revoke", listed["prefix"])
    assert key_for_token(token) is None
    with pytest.raises(CommandError, match="没有前缀"):
        call_command("apikeys", "revoke", "nosuchkey")


def test_a_revoked_key_gets_401(api_client):
    new = create_key("read")
    revoke_key(new.api_key.prefix)

    body = api_client(new.token).get("/orders", status=401)

    assert body["error"]["code"] == "unauthorized"


def test_a_read_key_cannot_write(read_api):
    body = read_api.post("/orders", json={"orders": []}, status=403)

    assert body["error"]["code"] == "insufficient_scope"


def test_past_the_rate_limit_the_api_answers_429_with_retry_after(settings, read_api):
    settings.YUNDAN_API_RATE_LIMIT = 3
    for _ in range(3):
        read_api.get("/orders")

    body = read_api.get("/orders", status=429)

    assert body["error"]["code"] == "rate_limited"
    assert int(read_api.last["Retry-After"]) >= 1


def test_each_key_has_its_own_rate_limit(settings, read_api, write_api):
    settings.YUNDAN_API_RATE_LIMIT = 2
    read_api.get("/orders")
    read_api.get("/orders")
    read_api.get("/orders", status=429)

    write_api.get("/orders")
