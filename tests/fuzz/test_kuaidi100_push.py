"""``POST /hooks/kuaidi100`` fed what Kuaidi100 would never send, and what an attacker would.

Inputs: bad, missing and foreign signatures; bodies cut anywhere; bodies over the 512 KB cap; the
wrong content type; a ``param`` that is no JSON; and, correctly signed, JSON of every wrong shape
(a real push with any field replaced by anything: lists, numbers, nulls, huge or control-character
text). Passing: no 5xx; 413 over the cap; nothing stored unless the push is signed and readable;
what is stored belongs to the waybill the push names.
"""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from factories import NOW
from fakes.kuaidi100 import last_result, md5_upper, signed_push_form, trace_item
from fuzz.files import HOSTILE
from fuzz.tally import TALLY, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from yundan.carriers.accounts import complete_settings, kind_of
from yundan.carriers.models import CarrierAccount
from yundan.integrations.views import MAX_PUSH_BYTES
from yundan.shipping.models import Package
from yundan.tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db

SALT = "fuzz-salt"
WAYBILL = "YT1234567890123"
FORM = "application/x-www-form-urlencoded"
ITEMS = [
    trace_item("2026-11-25 09:00:00", "【北京市】已揽收", "103", "揽收"),
    trace_item("2026-11-26 08:30:00", "快件到达【杭州西湖营业点】", "1001", "在途"),
]


@pytest.fixture
def package(make_order, frozen_now) -> Package:
    values = complete_settings(kind_of("kuaidi100"), {"customer": "C", "key": "K", "salt": SALT})
    CarrierAccount.objects.create(name="k100", kind="kuaidi100", settings=values)
    order = make_order(status="shipped")
    return Package.objects.create(order=order, carrier="yto", waybill_no=WAYBILL, printed_at=NOW - timedelta(days=2),
                                  shipped_at=NOW - timedelta(days=2), next_refresh_at=NOW)


def state(package: Package) -> tuple:
    """What a push could change: the package's row and its events."""
    row = Package.objects.filter(pk=package.pk).values().get()
    return row, TrackingEvent.objects.count()


def post(client, body: bytes | str, content_type: str = FORM, account: str | None = None):
    """The body exactly as given (the test client's ``post`` would re-encode it by the content type's charset)."""
    path = "/hooks/kuaidi100" + (f"?{urlencode({'account': account})}" if account is not None else "")
    return client.generic("POST", path, body, content_type=content_type)


def real_param(number: str = WAYBILL) -> dict:
    return json.loads(signed_push_form(last_result(number, "yuantong", ITEMS), SALT)["param"])


def tally(surface: str, response, stored: bool) -> None:
    TALLY.record(surface, f"{response.status_code}{' stored' if stored else ''}")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.lists(st.sampled_from(HOSTILE), max_size=20).map("".join),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
# Where a real push gets something else put in.
PATHS = [("status",), ("message",), ("lastResult",), ("lastResult", "nu"), ("lastResult", "data"),
         ("lastResult", "data", 0), ("lastResult", "data", 0, "ftime"), ("lastResult", "data", 0, "time"),
         ("lastResult", "data", 0, "context"), ("lastResult", "data", 0, "statusCode"),
         ("lastResult", "data", 0, "status"), ("lastResult", "data", 0, "location"),
         ("lastResult", "data", 0, "areaName"), ("lastResult", "state"), ("lastResult", "com"), ("comNew",)]
# Times Kuaidi100 never sends: out of range once in UTC, impossible dates, offsets, other shapes.
odd_times = st.sampled_from(["0001-01-01 00:00:00", "9999-12-31 23:59:59", "2026-02-30 10:00:00", "2026-11-25T09:00:00+14:00",
                             "2026-11-25 09:00:00.123456", "20261125", "2026/11/25 09:00", "", "1970-01-01 00:00:00"])
huge_or_hostile = st.one_of(
    json_values,
    odd_times,
    st.builds(lambda chunk, n: chunk * n, st.sampled_from(["\x00", "轨迹", "a", "\u202e", "😀", "9"]),
              st.integers(100, 20_000)),
)


def replaced(param, path: tuple, value):
    """``param`` with the value at ``path`` replaced (as far as the path still leads somewhere)."""
    node = param
    for key in path[:-1]:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return param
    if isinstance(node, dict) or (isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node)):
        node[path[-1]] = value
    return param


@st.composite
def wrong_shapes(draw) -> str:
    """A ``param`` that parses as JSON but is not quite (or not at all) a push."""
    if draw(st.integers(0, 4)) == 0:
        return json.dumps(draw(json_values), ensure_ascii=draw(st.booleans()))
    param = real_param(draw(st.sampled_from([WAYBILL, WAYBILL.lower(), " " + WAYBILL, "YT9999999999999"])))
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3)):
        param = replaced(param, path, draw(huge_or_hostile))
    return json.dumps(param, ensure_ascii=draw(st.booleans()))


@given(param=wrong_shapes())
@fuzz_settings(80)
def test_a_signed_push_of_any_shape_is_stored_or_refused_never_crashed_on(client, package, param):
    before = state(package)
    body = urlencode({"param": param, "sign": md5_upper(param + SALT)})
    response = post(client, body)
    expected = (413,) if len(body.encode()) > MAX_PUSH_BYTES else (200, 400)  # over the cap: refused unread
    assert response.status_code in expected, response.content[:300]
    after = state(package)
    if response.status_code != 200:
        assert after == before and response.json()["result"] is False
    elif after[1] != before[1]:  # events stored: only for the waybill the push names
        assert "".join(str(json.loads(param)["lastResult"]["nu"]).split()).upper() == WAYBILL
    tally("kuaidi100 push: signed, wrong shapes", response, after != before)


signatures = st.one_of(
    st.none(), st.text(max_size=40), st.text("0123456789ABCDEF", min_size=32, max_size=32),
    st.builds(lambda param, salt: md5_upper(param + salt), st.just(json.dumps(real_param())), st.text(max_size=10)),
)


@given(sign=signatures, param=st.one_of(st.just(json.dumps(real_param())), wrong_shapes()),
       account=st.one_of(st.none(), st.just("k100"), st.text(max_size=10)))
@fuzz_settings(50)
def test_a_push_without_the_right_signature_stores_nothing(client, package, sign, param, account):
    form = {"param": param} | ({"sign": sign} if sign is not None else {})
    if sign == md5_upper(param + SALT):
        return  # hypothesis guessed the salt
    before = state(package)
    response = post(client, urlencode(form), account=account)
    # 413 when the drawn body is over the 512 KB cap: refused before the signature is read.
    assert response.status_code in (400, 413) and response.json()["result"] is False
    assert state(package) == before
    tally("kuaidi100 push: bad signature", response, False)


@given(cut=st.integers(0, 10**6), param_first=st.booleans())
@fuzz_settings(40)
def test_a_push_cut_short_stores_nothing(client, package, cut, param_first):
    form = signed_push_form(last_result(WAYBILL, "yuantong", ITEMS), SALT)
    body = urlencode(form if param_first else dict(reversed(form.items())))
    body = body[: cut % len(body)]
    before = state(package)
    response = post(client, body)
    assert response.status_code == 400 and response.json()["result"] is False
    assert state(package) == before
    tally("kuaidi100 push: truncated body", response, False)


@given(size=st.integers(MAX_PUSH_BYTES + 1, 3 * MAX_PUSH_BYTES), byte=st.binary(min_size=1, max_size=16),
       content_type=st.sampled_from([FORM, "application/json", "text/plain", "application/octet-stream"]))
@fuzz_settings(10)
def test_a_body_over_the_cap_is_refused_with_413(client, package, size, byte, content_type):
    body = (byte * (size // len(byte) + 1))[:size]
    before = state(package)
    response = post(client, body, content_type=content_type)
    assert response.status_code == 413 and response.json()["result"] is False
    assert state(package) == before
    tally("kuaidi100 push: huge body", response, False)


@given(content_type=st.one_of(st.sampled_from(["application/json", "text/plain", "text/xml", "", "multipart/form-data",
                                               "application/x-www-form-urlencoded; charset=gbk",
                                               "multipart/form-data; boundary=x"]), st.text(max_size=40)),
       body=st.one_of(st.binary(max_size=2000), st.just(b"")))
@fuzz_settings(40)
def test_the_wrong_content_type_or_random_bytes_store_nothing(client, package, content_type, body):
    before = state(package)
    response = post(client, body, content_type=content_type)
    assert response.status_code in (400, 413), response.content[:300]
    assert state(package) == before
    tally("kuaidi100 push: wrong content type / random bytes", response, False)


def test_a_signed_push_posted_as_json_is_refused(client, package):
    form = signed_push_form(last_result(WAYBILL, "yuantong", ITEMS), SALT)
    before = state(package)
    response = post(client, json.dumps(form), content_type="application/json")
    assert response.status_code == 400 and state(package) == before
    tally("kuaidi100 push: wrong content type / random bytes", response, False)
