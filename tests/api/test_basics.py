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


def test_an_unknown_query_parameter_is_422_not_ignored(read_api):
    body = read_api.get("/orders?stauts=shipped", status=422)

    assert body["error"]["fields"] == [{"path": "stauts", "message": "unknown query parameter"}]
    assert read_api.get("/exceptions?kind=lost&older=2d", status=422)["error"]["fields"][0]["path"] == "older"


def test_text_with_a_nul_character_is_422_wherever_it_comes(write_api, shop):
    assert write_api.get("/orders?buyer_id=a%00b", status=422)["error"]["fields"][0]["path"] == "buyer_id"
    assert write_api.get("/packages/JD%00X", status=422)["error"]["fields"][0]["path"] == "path"
    body = write_api.post("/tracking/refresh", json={"waybill_nos": ["JDX\u0000"]}, status=422)
    assert body["error"]["fields"][0]["path"] == "waybill_nos"
    body = write_api.post("/orders", json={"orders": [{"order_no": "312345678901", "receiver": {"name": "张\u0000"}}]},
                          status=422)
    assert body["error"]["fields"][0]["path"] == "orders[0].receiver.name"


def test_a_multipart_body_without_its_boundary_is_400(write_api, shop):
    response = write_api.client.post("/api/v1/tracking/refresh", data=b'{"waybill_nos": ["x"]}',
                                     content_type="multipart/form-data", headers=write_api.headers)

    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
