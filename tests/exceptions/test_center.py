"""The exception center on real packages: the sweep, the workflow's side effects, the commands."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from yundan.carriers.base import TraceEvent
from yundan.exceptions.kinds import ExceptionKind as K
from yundan.exceptions.kinds import ExceptionState as S
from yundan.exceptions.services import act, sweep
from yundan.exceptions.workflow import IllegalMove
from yundan.orders.models import Order
from yundan.shipping.models import Package
from yundan.tracking.ingest import ingest
from yundan.tracking.services import refresh_packages
from yundan.tracking.statuses import TrackingStatus as T

from factories import NOW

pytestmark = pytest.mark.django_db

MONDAY = NOW - timedelta(days=4)  # 2026-11-23 10:00, a working Monday


def parcel(make_order, order_no="312345678901", waybill="JDX910000000001", shipped=MONDAY, **order):
    made = make_order(order_no, status="shipped", amount=Decimal("199.00"), **order)
    return Package.objects.create(order=made, carrier="sandbox", waybill_no=waybill, printed_at=shipped,
                                  shipped_at=shipped)


def scan(hours, status=T.IN_TRANSIT, text="您的快件已到达【杭州转运中心】", place="杭州转运中心"):
    return TraceEvent(MONDAY + timedelta(hours=hours), status, text[:4], text, place)


def open_kinds(package):
    return sorted(package.exceptions.exclude(state__in=[S.RESOLVED, S.CLOSED]).values_list("kind", flat=True))


def test_a_stalled_parcel_is_opened_once_and_closed_when_it_moves_again(make_order, settings):
    settings.YUNDAN_NOW = NOW
    package = parcel(make_order)
    ingest([(package.pk, [scan(1, T.PICKED_UP, "您的快件已由【北京大兴营业部】揽收完成", "北京大兴营业部"), scan(5)])], "t")
    first, second = sweep(), sweep()
    assert open_kinds(package) == [K.STALLED]
    assert (dict(first.opened), dict(second.opened)) == ({K.STALLED: 1}, {})
    settings.YUNDAN_NOW = NOW + timedelta(hours=1)
    ingest([(package.pk, [scan(96, T.DELIVERED, "您的快件已由本人签收", "杭州西湖营业部")])], "t")
    assert dict(sweep().closed) == {K.STALLED: 1}
    exception = package.exceptions.get()
    assert exception.state == S.CLOSED and exception.closed_at == NOW + timedelta(hours=1)
    assert [e.action for e in exception.log.all()] == ["opened", "auto_closed"]
    assert "已签收" in exception.log.last().note
    assert dict(sweep().opened) == {}


def test_a_time_based_exception_closed_by_hand_is_not_reopened_until_the_package_changes(make_order, settings):
    settings.YUNDAN_NOW = NOW
    package = parcel(make_order)
    ingest([(package.pk, [scan(5)])], "t")
    sweep()
    exception = package.exceptions.get()
    act(exception.pk, "close", actor="ops", note="快递员说明天到")
    assert dict(sweep().opened) == {}
    settings.YUNDAN_NOW = NOW + timedelta(days=5)  # a new scan after it was closed, then stuck again
    ingest([(package.pk, [scan(100)])], "t")
    assert dict(sweep().opened) == {K.STALLED: 1}


def test_carrier_reported_trouble_is_opened_at_once_and_only_once(make_order, frozen_now):
    package = parcel(make_order)
    ingest([(package.pk, [scan(1, T.PICKED_UP), scan(30, T.DELIVERY_FAILED, "客户电话无人接听"),
                          scan(50, T.DELIVERED, "您的快件已由本人签收", "杭州西湖营业部")])], "t")
    sweep()
    exception = package.exceptions.get()
    assert exception.kind == K.DELIVERY_FAILED
    act(exception.pk, "close", actor="ops", note="已妥投")
    sweep()
    assert package.exceptions.count() == 1


_status = st.sampled_from([T.PICKED_UP, T.IN_TRANSIT, T.OUT_FOR_DELIVERY, T.AWAITING_PICKUP, T.DELIVERED,
                           T.DELIVERY_FAILED, T.REJECTED, T.RETURNING])


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 200), _status), max_size=6), st.integers(0, 400))
def test_sweeping_again_changes_nothing_and_never_keeps_two_unfinished_of_a_kind(make_order, settings, events, late):
    settings.YUNDAN_NOW = MONDAY + timedelta(hours=late)
    Order.objects.all().delete()
    package = parcel(make_order)
    ingest([(package.pk, [scan(h, s, f"{s}@{h}") for h, s in events if h <= late])], "t")
    sweep()
    state = sorted(package.exceptions.values_list("kind", "state", "closed_at"))
    assert dict(sweep().opened) == {} and dict(sweep().closed) == {}
    assert sorted(package.exceptions.values_list("kind", "state", "closed_at")) == state
    kinds = open_kinds(package)
    assert len(kinds) == len(set(kinds))


def test_return_then_resend_on_a_sandbox_parcel(make_order, settings):
    settings.YUNDAN_NOW = NOW
    package = parcel(make_order, waybill="JDX930000000001", shipped=NOW - timedelta(days=6))  # 3 = stalls
    refresh_packages([Package.objects.select_related("order__shop").get(pk=package.pk)])
    sweep()
    exception = package.exceptions.get(kind=K.STALLED)
    contacted = act(exception.pk, "contact_buyer", actor="ops")
    assert contacted.contact["phone"] == "13812345678"  # the operator sees the full number
    assert "13812345678" not in exception.log.last().note  # the log keeps it masked
    courier = act(exception.pk, "contact_courier", actor="ops")
    assert courier.contact and courier.contact["phone"]
    assert act(exception.pk, "request_return", actor="ops", note="客户不要了").exception.state == S.RETURN_REQUESTED
    with pytest.raises(IllegalMove, match="退回途中"):
        act(exception.pk, "resend", actor="ops")
    settings.YUNDAN_NOW = NOW + timedelta(days=10)
    refresh_packages([Package.objects.select_related("order__shop").get(pk=package.pk)])
    package.refresh_from_db()
    assert package.status == T.RETURNED  # the sandbox turned it around
    sweep()
    assert K.RETURNED not in open_kinds(package)  # coming back because we asked: not a new problem
    act(exception.pk, "mark_returned", actor="ops")
    resent = act(exception.pk, "resend", actor="ops", note="补发新品")
    exception.refresh_from_db()
    assert exception.state == S.RESOLVED and exception.closed_at is not None
    assert exception.resend_package.order_id == package.order_id and exception.resend_package.shipped_at
    assert exception.resend_package.waybill_no in resent.message
    assert [e.action for e in exception.log.all()] == [
        "opened", "contact_buyer", "contact_courier", "request_return", "mark_returned", "resend"]
    assert all(e.actor in ("ops", "system") for e in exception.log.all())


def test_refund_of_a_lost_parcel_records_the_amount(make_order, settings):
    settings.YUNDAN_NOW = NOW
    package = parcel(make_order, waybill="JDX960000000001", shipped=NOW - timedelta(days=20))  # 6 = lost
    refresh_packages([Package.objects.select_related("order__shop").get(pk=package.pk)])
    sweep()
    exception = package.exceptions.get(kind=K.LOST)
    with pytest.raises(IllegalMove, match="金额"):
        act(exception.pk, "refund", actor="ops", amount="-5")
    with pytest.raises(IllegalMove, match="超过订单金额"):
        act(exception.pk, "refund", actor="ops", amount="500")
    act(exception.pk, "refund", actor="ops", amount="199")
    exception.refresh_from_db()
    assert exception.state == S.RESOLVED and exception.refund_amount == Decimal("199.00")
    assert exception.log.last().amount == Decimal("199.00")
    with pytest.raises(IllegalMove, match="已解决"):
        act(exception.pk, "refund", actor="ops", amount="1")


def test_the_commands_list_show_act_and_digest(make_order, settings, capsys, tmp_path):
    settings.YUNDAN_NOW = NOW
    package = parcel(make_order, waybill="JDX930000000001")
    ingest([(package.pk, [scan(5)])], "t")
    call_command("exceptions", "sweep", "--json")
    assert json.loads(capsys.readouterr().out)["opened"] == {"stalled": 1}
    call_command("exceptions", "list", "--json")
    [row] = json.loads(capsys.readouterr().out)
    assert set(row) == {"id", "kind", "state", "order_no", "waybill_no", "opened_at", "age_hours", "last_action"}
    assert (row["kind"], row["state"], row["order_no"], row["last_action"]) == ("stalled", "open", "312345678901", "opened")
    call_command("exceptions", "list", "--older-than", "2d", "--json")
    assert json.loads(capsys.readouterr().out) == []
    call_command("exceptions", "act", str(row["id"]), "note", "--note", "已催件", "--by", "小王", "--json")
    assert json.loads(capsys.readouterr().out)["state"] == "in_progress"
    call_command("exceptions", "show", str(row["id"]), "--json")
    shown = json.loads(capsys.readouterr().out)
    assert shown["log"][-1]["actor"] == "小王" and "已催件" in shown["log"][-1]["note"]
    with pytest.raises(CommandError, match="原因"):
        call_command("exceptions", "act", str(row["id"]), "close")
    call_command("exceptions", "act", str(row["id"]), "request_return")
    with pytest.raises(CommandError, match="已经申请过退回"):
        call_command("exceptions", "act", str(row["id"]), "request_return")
    out = tmp_path / "digest.xlsx"
    call_command("exceptions", "digest", "--out", str(out))
    assert "未结" in capsys.readouterr().out
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["未结异常", "昨日新增", "统计"]
    assert book.get_sheet_by_name("未结异常").to_python()[1][3] == "312345678901"


def test_a_return_request_to_a_carrier_without_interception_is_recorded_as_made_by_phone(make_order, frozen_now):
    from yundan.carriers.accounts import complete_settings, kind_of
    from yundan.carriers.models import CarrierAccount

    CarrierAccount.objects.create(name="k100", kind="kuaidi100",
                                  settings=complete_settings(kind_of("kuaidi100"), {"customer": "C", "key": "K"}))
    package = parcel(make_order)
    Package.objects.filter(pk=package.pk).update(carrier="sf", waybill_no="SF1400000000001")
    ingest([(package.pk, [scan(5)])], "t")
    sweep()
    result = act(package.exceptions.get().pk, "request_return", actor="ops")
    assert result.exception.state == S.RETURN_REQUESTED and "电话联系快递员" in result.message
    package.refresh_from_db()
    assert package.return_requested_at is None
