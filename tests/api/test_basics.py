import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_and_docs_are_served_without_a_key(anonymous_api):
    schema = anonymous_api.get("/openapi.json")
    assert schema["openapi"].startswith("3.")
    page = anonymous_api.get("/docs")
    assert b"swagger-ui-bundle.js" in page.content and b"cdn" not in page.content.lower()


def test_no_key_is_401_json(anonymous_api):
    body = anonymous_api.get("/orders", status=401)
    assert body["error"]["code"] == "unauthorized"
    assert anonymous_api.last["WWW-Authenticate"] == "Bearer"
