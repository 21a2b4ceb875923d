"""API tests: a Django test client that speaks JSON with an API key."""

import pytest
from django.core.cache import cache
from django.test import Client

from yundan.api.keys import create_key


class ApiClient:
    """``api.get("/orders", status=…)`` → the parsed JSON body; checks the status code it is given."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, *, status: int = 200, json=None, headers=None, **kwargs):
        call = getattr(self.client, method)
        if json is not None:
            kwargs.update(data=json, content_type="application/json")
        response = call(f"/api/v1{path}", headers={**self.headers, **(headers or {})}, **kwargs)
        assert response.status_code == status, (response.status_code, response.content[:2000])
        self.last = response
        return response.json() if response["Content-Type"].startswith("application/json") else response

    def get(self, path, **kwargs):
        return self.request("get", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("post", path, **kwargs)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the per-key counts live in the cache, which outlives a test's database


@pytest.fixture
def read_api(db):
    return ApiClient(create_key("read", "ERP 只读").token)


@pytest.fixture
def write_api(db):
    return ApiClient(create_key("write", "ERP").token)


@pytest.fixture
def anonymous_api(db):
    return ApiClient(None)


@pytest.fixture
def api_client():
    """``api_client(token)`` → an ApiClient sending that key."""
    return ApiClient
