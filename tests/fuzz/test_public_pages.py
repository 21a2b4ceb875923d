"""The public pages, typed into by anyone: /track?q=…, /track/<waybill> and the buyer's /my-order.

Inputs: any Unicode, control characters, RTL marks, full-width digits, huge pastes, raw bytes that
are no UTF-8, many numbers, the real waybill and order number mixed with junk, other HTTP methods.
Passing: no 5xx; a page or a plain 4xx; nothing personal on a tracking page unless the visitor typed
it; nothing stored, whatever was typed (the limits are raised out of the way for this run).
"""

from datetime import timedelta
from urllib.parse import quote, quote_from_bytes

import pytest
from factories import NOW
from fuzz.files import HOSTILE, number_like
from fuzz.stored import row_counts, stored_rows
from fuzz.tally import TALLY, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from yundan.orders.models import OrderItem
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.text import to_half_width
from yundan.tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db

ORDER_NO, PHONE, NAME, ADDRESS = "312345678901", "13812345678", "张三丰", "文三路90号1号楼302室"
COURIER_PHONE = "13912345678"
SECRETS = [ORDER_NO, PHONE, COURIER_PHONE, NAME, ADDRESS, "jd_buyer01", "保温杯", "199.00"]


@pytest.fixture
def shipped(make_order, frozen_now, no_rate_limits) -> str:
    """One shipped order with events naming the receiver and a courier's phone; its waybill number."""
    order = make_order(ORDER_NO, receiver_name=NAME, receiver_phone=PHONE, receiver_phone_last4=PHONE[-4:],
                       receiver_address=ADDRESS, amount="199.00")
    OrderItem.objects.create(order=order, sku_id="100012345678", name="保温杯", quantity=1)
    [waybill] = confirm_shipments([ShipmentRequest(ORDER_NO)])[0].waybill_nos
    package = order.packages.get()
    for hours, text in ((30, "【杭州】已揽收"), (2, f"快递员李小龙（{COURIER_PHONE}）正在派送，收件人{NAME}")):
        TrackingEvent.objects.create(package=package, time=NOW - timedelta(hours=hours), status="in_transit",
                                     raw_text=text, courier_name="李小龙", courier_phone=COURIER_PHONE,
                                     source="fuzz", content_hash=f"fuzz-{hours}")
    return waybill


def typed_text(waybill: str) -> st.SearchStrategy[str]:
    separators = st.sampled_from(["\n", ",", " ", "，", "、", ";", "\t", "\r\n", "\u3000", "|", ""])
    token = st.one_of(st.just(waybill), st.just(waybill.lower()), st.just(ORDER_NO), number_like,
                      st.text(max_size=30), st.lists(st.sampled_from(HOSTILE), max_size=10).map("".join))
    return st.one_of(
        st.text(),
        st.lists(st.tuples(token, separators).map("".join), max_size=25).map("".join),
        st.builds(lambda chunk, times: chunk * times, st.text(min_size=1, max_size=5), st.integers(1000, 60_000)),
    )


def check_page(response, typed: str, surface: str, *, private: bool = True) -> None:
    assert response.status_code < 500, response.content[:500]
    html = response.content.decode("utf-8", errors="replace")
    if private:  # what was typed comes back half-width (the form shows what it searched for)
        typed = to_half_width(typed).upper() + typed
        leaked = [secret for secret in SECRETS if secret in html and secret not in typed]
        assert not leaked, f"the page shows {leaked}"
    TALLY.record(surface, str(response.status_code))


@given(data=st.data())
@fuzz_settings(60)
def test_track_form_answers_anything_typed_without_leaking_or_storing(client, shipped, data):
    typed = data.draw(typed_text(shipped))
    before = row_counts()
    check_page(client.get("/track", {"q": typed}), typed, "public: /track?q=")
    assert stored_rows(before, row_counts()) == {}


@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=100).map(str.encode)), encoded=st.booleans())
@fuzz_settings(30)
def test_track_form_takes_a_query_string_of_any_bytes(client, shipped, raw, encoded):
    # WSGI hands the query string over as latin-1 text of the raw bytes: unbalanced %, several q=,
    # no q at all, bytes that are no UTF-8.
    query = "q=" + quote_from_bytes(raw, safe="=&%+") if encoded else raw.decode("latin-1")
    response = client.get("/track", QUERY_STRING=query)
    check_page(response, raw.decode("utf-8", errors="replace"), "public: /track?q= (raw bytes)", private=False)


@given(data=st.data())
@fuzz_settings(40)
def test_track_link_answers_any_path_segment(client, shipped, data):
    typed = data.draw(st.one_of(typed_text(shipped).map(lambda t: t[:2000]), st.binary(max_size=100)))
    segment = quote_from_bytes(typed, safe="") if isinstance(typed, bytes) else quote(typed, safe="")
    shown = typed.decode("utf-8", errors="replace") if isinstance(typed, bytes) else typed
    before = row_counts()
    check_page(client.get(f"/track/{segment}"), shown, "public: /track/<waybill>")
    assert stored_rows(before, row_counts()) == {}


@given(data=st.data())
@fuzz_settings(60)
def test_my_order_answers_any_pair_and_stores_nothing(client, shipped, data):
    order_no = data.draw(st.one_of(st.just(ORDER_NO), number_like, typed_text(shipped).map(lambda t: t[:5000])))
    last4 = data.draw(st.one_of(st.just(PHONE[-4:]), st.text(max_size=8),
                                st.lists(st.sampled_from(HOSTILE + list("0123456789")), max_size=6).map("".join)))
    form = {"order_no": order_no, "phone_last4": last4}
    form.update(data.draw(st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3)))
    before = row_counts()
    response = client.post("/my-order", form)
    # The buyer page shows the order number and items to whoever knows the pair; never the rest.
    check_page(response, order_no + last4 + "保温杯" + ORDER_NO, "public: /my-order")
    assert response["Cache-Control"] == "no-store"
    assert stored_rows(before, row_counts()) == {}


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options", "trace"])
@pytest.mark.parametrize("page", ["/track", "/track/JDX000000000001", "/my-order"])
def test_other_methods_are_refused_plainly(client, shipped, page, method):
    response = getattr(client, method)(page)
    assert response.status_code in (200, 405), response.status_code  # OPTIONS may answer with Allow
    TALLY.record("public: other methods", str(response.status_code))
