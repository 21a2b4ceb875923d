"""The console's search and filter forms (GET): 订单管理's search, 异常件处理's filters, a webhook
endpoint's delivery log — typed into by a signed-in user, so anything at all.

Passing: no 5xx (a wrong value is said on the page), and a search stores nothing.
"""

import pytest
from fuzz.files import hostile_text, number_like
from fuzz.stored import row_counts, stored_rows
from fuzz.tally import TALLY, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from yundan.console.roles import set_role
from yundan.webhooks.services import create_endpoint

pytestmark = pytest.mark.django_db

PAGES = {
    "/orders/": ["order_no", "buyer_id", "phone", "waybill_no", "status", "from", "to", "after", "before", "shop"],
    "/exceptions/": ["kind", "state", "older_than", "all", "page"],
    "/settings/webhooks/{endpoint}/": ["state", "before"],
}


@pytest.fixture
def admin(client, django_user_model, make_order, frozen_now):
    user = django_user_model.objects.create_user(username="fuzz-admin", password="fuzz-pass-2026")
    set_role(user, "admin")
    client.force_login(user)
    make_order("312345678901")
    return client, create_endpoint("http://127.0.0.1:9/hook", ["package.shipped"]).pk


values = st.one_of(hostile_text, number_like, st.sampled_from(["2026-11-27", "2026-13-45", "0001-01-01", "9999-12-31",
                                                              "-1", "0", "1e9", "", "awaiting_shipment", "open",
                                                              "given_up"]))


@given(data=st.data(), page=st.sampled_from(sorted(PAGES)))
@fuzz_settings(60)
def test_a_search_with_any_values_answers_with_a_page_and_stores_nothing(admin, data, page):
    client, endpoint = admin
    params = data.draw(st.dictionaries(st.sampled_from(PAGES[page]), values, min_size=1))
    before = row_counts()
    response = client.get(page.format(endpoint=endpoint), params)
    assert response.status_code < 500, response.content[:500]
    assert stored_rows(before, row_counts()) == {}
    TALLY.record("console: search and filter forms", str(response.status_code))
