"""Logs as JSON lines or text, with no receiver's phone, name or address, each tied to its request."""

import json
import logging
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from yundan.logs import JsonFormatter, PersonalDataFilter, current_request_id

from ops.helpers import home_env, serve, yundan


def written(message, *args, formatter=None, exc_info=None, **extra) -> str:
    """The line a handler with yundan's filter writes for this record."""
    record = logging.getLogger("yundan.test").makeRecord(
        "yundan.test", logging.WARNING, __file__, 1, message, args, exc_info, extra=extra)
    PersonalDataFilter().filter(record)
    return (formatter or logging.Formatter("%(message)s")).format(record)


@pytest.mark.parametrize("spelled, shown", [
    ("13812345678", "1******5678"),
    ("138 1234 5678", "1******5678"),
    ("+86 138-1234-5678", "1******5678"),
    ("010-65529988", "010-******88"),
    ("(010) 6552 9988", "010-******88"),
    ("0571-87654321", "0571-******21"),
    ("0086 138 1234 5678", "1******5678"),
    ("１３８１２３４５６７８", "1******5678"),  # full-width digits, as a buyer may type them
    ("电话：65529988", "电话：******88"),  # a local number, where the text says it is a phone
])
def test_every_spelling_of_a_phone_in_a_message_is_masked(spelled, shown):
    assert written("收货人电话 %s 无法接通", spelled) == f"收货人电话 {shown} 无法接通"


@pytest.mark.parametrize("text", [
    "订单 312345678901 已发货",  # a JD order number
    "运单 JDX000013812345 和 SF1381234567890",  # waybill numbers that hold phone-like digits
    "at 2026-11-27 10:00:00, 1764208800123 ms",
    "job 0000013812345678",
    "Executing refresh_claimed_packages: bf94866a-2900-4e2d-bbd5-13812348557e",  # a task id, hex
    "5d1c0a2b-0571-2345-6789-abcdef012345 executed in 0.9s",  # a task id whose groups look like a landline
])
def test_order_and_waybill_numbers_and_times_stay_readable(text):
    assert written(text) == text


def test_a_phone_beside_a_task_id_is_masked_and_the_id_kept():
    task = "5d1c0a2b-0571-2345-6789-abcdef012345"
    assert written(f"task {task}: 收货人 13812345678") == f"task {task}: 收货人 1******5678"


def test_receivers_passed_as_fields_are_masked_and_a_request_is_only_its_method_and_path(rf):
    request = rf.get("/orders/", {"q": "13812345678"})
    line = json.loads(written("shipped", formatter=JsonFormatter(), receiver_name="欧阳娜娜", order_no="312345678901",
                              receiver={"name": "张三", "phone": "13812345678", "address": "文三路90号1号楼302室"},
                              receiver_address="建国路88号SOHO现代城5号楼1203室", request=request))
    assert line["receiver_name"] == "欧***" and line["order_no"] == "312345678901"
    assert line["receiver"] == {"name": "张*", "phone": "1******5678", "address": "文三路90号*号楼***室"}
    assert line["receiver_address"] == "建国路88号SOHO现代城*号楼****室"
    assert line["request"] == "GET /orders/"


def test_an_exception_logged_with_its_traceback_is_masked_too():
    try:
        raise ValueError("receiver 13812345678 unreachable")
    except ValueError as error:
        line = json.loads(written("failed", formatter=JsonFormatter(), exc_info=(type(error), error, error.__traceback__)))
    assert "Traceback" in line["exc"] and "1******5678" in line["exc"] and "13812345678" not in line["exc"]


def test_a_json_line_has_time_level_logger_message_and_the_request_id():
    token = current_request_id.set("req-42")
    try:
        line = json.loads(written("refresh of %d packages", 3, formatter=JsonFormatter(), batch=7))
    finally:
        current_request_id.reset(token)
    assert line["time"].endswith("+00:00") and line["level"] == "WARNING" and line["logger"] == "yundan.test"
    assert line["message"] == "refresh of 3 packages" and line["request_id"] == "req-42" and line["batch"] == 7
    assert "request_id" not in json.loads(written("outside a request", formatter=JsonFormatter()))


@pytest.mark.django_db
def test_each_request_gets_an_id_in_its_answer_and_its_log_lines(client):
    records = []
    capture = logging.Handler()
    capture.addFilter(PersonalDataFilter())
    capture.emit = records.append
    logging.getLogger("yundan.integrations").addHandler(capture)
    try:
        answer = client.post("/hooks/kuaidi100", {"param": "{}", "sign": "x"})
        given = client.post("/hooks/kuaidi100", {"param": "{}"}, headers={"X-Request-ID": "proxy-7f3a"})
        odd = client.post("/hooks/kuaidi100", {"param": "{}"}, headers={"X-Request-ID": "no spaces <b>"})
    finally:
        logging.getLogger("yundan.integrations").removeHandler(capture)
    assert len(answer["X-Request-ID"]) == 32 and given["X-Request-ID"] == "proxy-7f3a"
    assert odd["X-Request-ID"] != "no spaces <b>"
    assert [r.request_id for r in records] == [answer["X-Request-ID"], "proxy-7f3a", odd["X-Request-ID"]]


def test_an_unknown_log_format_is_refused_by_name(tmp_path):
    refused = yundan(home_env(tmp_path, YUNDAN_LOG_FORMAT="xml"), "check", check=False)
    assert refused.returncode != 0 and "YUNDAN_LOG_FORMAT='xml'" in refused.stderr


def post(url: str, form: dict) -> int:
    try:
        return urllib.request.urlopen(url, urllib.parse.urlencode(form).encode(), timeout=10).status
    except urllib.error.HTTPError as answer:
        return answer.status


def test_yundan_serve_writes_json_lines_without_personal_data(tmp_path):
    env = home_env(tmp_path, YUNDAN_LOG_FORMAT="json", YUNDAN_LOG_LEVEL="DEBUG")
    yundan(env, "init")
    yundan(env, "carriers", "add", "kuaidi100", "--name", "k100", "--set", "key=k", "--set", "customer=c", "--set", "salt=s")
    server, base = serve(env, stderr=subprocess.PIPE)
    pushed = {"param": json.dumps({"lastResult": {"nu": "SF1234567890123", "data": [
        {"context": "张三 13812345678 文三路90号1号楼302室 已签收"}]}}, ensure_ascii=False), "sign": "bad"}
    try:
        statuses = [post(f"{base}/hooks/kuaidi100?phone=13812345678", pushed) for _ in range(3)]
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert statuses == [400, 400, 400]
    lines = [json.loads(line) for line in errors.splitlines()]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    refused = [line for line in lines if line["message"].startswith("Kuaidi100 push refused")]
    assert len(refused) == 3 and all(len(line["request_id"]) == 32 for line in refused)
    assert {line["logger"].split(".")[0] for line in lines} >= {"yundan", "huey"}
    for personal in ("13812345678", "张三", "文三路90号1号楼302室"):
        assert personal not in errors


def test_sql_and_template_contexts_are_never_logged_whatever_the_level():
    """Both print receivers' data at DEBUG: SQL its parameters, the template engine a whole context
    when a variable is missing (the log guard caught an order page's receiver that way)."""
    assert logging.getLogger().isEnabledFor(logging.DEBUG)  # the log guard lowers the root for the run
    for name in ("django.db.backends", "django.template"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
