"""The JD order sync's storing of a page of ``orderInfo`` objects, fed JSON JD should never send.

Inputs: realistic orders with any field replaced by anything (numbers for strings, lists for
objects, nulls, huge, control-character and RTL text, impossible times, unknown states), and JSON
that is no order at all. Passing: every order is stored with its JD record or rejected with a
reason naming it; never an exception; a rejected order stores nothing.
"""

import json

import pytest
from fakes.jd_jos import jd_order
from fuzz.files import HOSTILE, digits
from fuzz.stored import rolled_back
from fuzz.tally import TALLY, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from yundan.integrations.jd_settings import complete, options
from yundan.integrations.jd_sync import ShopSync, SyncReport
from yundan.integrations.models import JdOrder, JdOrderRejection, JdOrderSync
from yundan.orders.models import Order

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.lists(st.sampled_from(HOSTILE), max_size=15).map("".join),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
odd = st.one_of(
    json_values,
    st.sampled_from(["0001-01-01 00:00:00", "9999-12-31 23:59:59", "2026-02-30 10:00:00", "1970-01-01 00:00:00",
                     "2026-11-20T09:15:00+14:00", "NaN", "-1", "1e400", "99999999999999.999", "0", "138****5678"]),
    st.builds(lambda chunk, n: chunk * n, st.sampled_from(["\x00", "张", "a", "\u202e", "😀", "9"]), st.integers(60, 5000)),
)
FIELDS = ["orderId", "orderState", "modified", "orderStartTime", "orderTotalPrice", "orderPayment", "pin",
          "venderRemark", "waybill", "logisticsId", "consigneeInfo", "itemInfoList"]
CONSIGNEE = ["fullname", "mobile", "telephone", "province", "city", "county", "town", "fullAddress"]
ITEM = ["skuId", "skuName", "itemTotal"]


@st.composite
def order_infos(draw) -> object:
    if draw(st.integers(0, 5)) == 0:
        return draw(json_values)  # no order at all
    info = jd_order(draw(digits(8, 20)), draw(st.sampled_from(["2026-11-21 08:00:05", "2026-11-22 10:00:00"])))
    for _ in range(draw(st.integers(1, 4))):
        place = draw(st.sampled_from(["order", "consignee", "item"]))
        if place == "order":
            info[draw(st.sampled_from(FIELDS))] = draw(odd)
        elif place == "consignee" and isinstance(info.get("consigneeInfo"), dict):
            info["consigneeInfo"][draw(st.sampled_from(CONSIGNEE))] = draw(odd)
        elif place == "item" and isinstance(info.get("itemInfoList"), list) and info["itemInfoList"]:
            item = info["itemInfoList"][0]
            if isinstance(item, dict):
                item[draw(st.sampled_from(ITEM))] = draw(odd)
    return info


@pytest.fixture
def sync(shop):
    values = complete({"endpoint": "http://127.0.0.1:9/routerjson", "app_key": "k", "app_secret": "s",
                       "access_token": "t", "retries": "0"})
    return JdOrderSync.objects.create(shop=shop, settings=values)


@given(infos=st.lists(order_infos(), min_size=1, max_size=5))
@fuzz_settings(60)
def test_a_page_of_any_jd_orders_is_stored_or_rejected_order_by_order(sync, infos):
    with rolled_back():
        report = SyncReport(shop=sync.shop.name)
        ShopSync(sync, options(sync.settings), api=None, report=report).store(json.loads(json.dumps(infos)))
        assert report.fetched == len(infos)
        stored = set(Order.objects.filter(shop=sync.shop).values_list("order_no", flat=True))
        assert set(JdOrder.objects.filter(sync=sync).values_list("order__order_no", flat=True)) == stored
        rejected = {entry["order_no"] for entry in report.rejected}
        assert all(entry["reason"] for entry in report.rejected)
        # A rejection stays on record until a good copy of the order is stored (here: on the same page).
        assert set(JdOrderRejection.objects.filter(sync=sync).values_list("order_no", flat=True)) == {
            number[:64] for number in rejected - stored}
        for number in rejected & stored:
            assert sum(isinstance(info, dict) and str(info.get("orderId", "")).strip() == number for info in infos) > 1
        outcomes = {(True, True): "some stored, some rejected", (True, False): "all stored",
                    (False, True): "all rejected", (False, False): "nothing"}
        TALLY.record("jd sync: orderInfo pages", outcomes[bool(stored), bool(rejected)])
        for info in infos:
            TALLY.record("jd sync: orderInfo objects", "object" if isinstance(info, dict) else "not an object")
