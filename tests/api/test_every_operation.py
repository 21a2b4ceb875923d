"""Every API operation refuses a request without a valid key (the console's access test skips /api/v1/)."""

import re

import pytest

from yundan.api.keys import create_key, revoke_key

pytestmark = pytest.mark.django_db


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, re.sub(r"\{\w+\}", "312345678901", path)


def test_every_operation_refuses_a_request_without_a_key(anonymous_api, api_client):
    found = list(operations(anonymous_api.get("/openapi.json")))
    assert len(found) >= 3
    revoked = create_key("write")
    revoke_key(revoked.api_key.prefix)
    for token in (None, "yd_nokey_xxxxxxxx", "Basic abc", revoked.token):
        client = api_client(token)
        for method, path in found:
            response = getattr(client.client, method)(path, headers=client.headers)
            assert response.status_code == 401, (token, method, path, response.status_code)
            assert response.json()["error"]["code"] == "unauthorized"


def test_every_operation_declares_the_key_and_the_error_shape(anonymous_api):
    schema = anonymous_api.get("/openapi.json")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert operation["security"], (method, path)
            for status in ("401", "422", "429"):
                assert operation["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith(
                    "/ErrorOut"), (method, path, status)
