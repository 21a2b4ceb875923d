"""物流工具: batch query as a background job, batch label printing and batch shipment.

In a real browser where it matters (upload → progress → download, PDF download, per-row results),
through Django's test client for the rules (who sees which job, what a bad file ends as, progress).
"""

from pathlib import Path

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from yundan.batch import query, tasks
from yundan.batch.answers import COLUMNS, NO_PACKAGE, NOT_FOUND
from yundan.batch.models import BatchJob
from yundan.console.views import tools
from yundan.shipping.models import Package
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments

pytestmark = pytest.mark.django_db(transaction=True)

SHIPPED, WAITING, UNKNOWN = "312345678901", "312345678902", "399999999999"


@pytest.fixture(autouse=True)
def job_home(settings, tmp_path):
    """Jobs keep their files in a folder of the test's own."""
    settings.YUNDAN_HOME = tmp_path
    return tmp_path


@pytest.fixture
def immediate_huey():
    """Huey runs each task inside the call that queues it: a job is finished when the upload returns."""
    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was


@pytest.fixture
def orders(make_order):
    """One order shipped (its package has a waybill), one still waiting to be printed."""
    make_order(SHIPPED)
    make_order(WAITING)
    [result] = confirm_shipments([ShipmentRequest(SHIPPED)])
    assert result.ok
    return {SHIPPED: Package.objects.get(order__order_no=SHIPPED)}


def query_file(path, numbers):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("查询")
    sheet.write_row(0, 0, ["序号", "订单号"])
    for row, number in enumerate(numbers, start=1):
        sheet.write_number(row, 0, row)
        sheet.write_string(row, 1, number)
    workbook.close()
    return path


def result_rows(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("查询结果").to_python()


def client_for(client, user):
    client.force_login(user)
    return client


# --- in the browser ------------------------------------------------------------------------------


def test_a_batch_query_runs_in_the_background_and_its_page_follows_it_to_the_download(
        signed_in, live_server, orders, tmp_path, monkeypatch, screenshot):
    queued = []
    monkeypatch.setattr(tasks, "run_batch_job", queued.append)  # the worker, played below by the test
    page = signed_in("operator")
    page.goto(f"{live_server.url}{reverse('tools')}")
    page.click("text=上传文件查询")
    page.set_input_files("input[name=file]", query_file(tmp_path / "十二月查询.xlsx", [SHIPPED, WAITING, UNKNOWN]))
    page.click("button:has-text('开始查询')")
    page.wait_for_url("**/tools/batch-query/*/")
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-state", "queued")
    expect(page.locator("main")).to_contain_text("十二月查询.xlsx")

    [job_id] = queued
    tasks.run_job(BatchJob.objects.get(pk=job_id))  # what the worker does; the page polls meanwhile
    expect(status).to_have_attribute("data-state", "done", timeout=15_000)
    expect(status).to_contain_text("共查询 3 行")
    screenshot(page, "tools-batch-query")
    with page.expect_download() as download:
        page.click("text=下载结果")
    assert download.value.suggested_filename == "批量查询结果-十二月查询.xlsx"
    header, *rows = result_rows(download.value.path())
    assert header == list(COLUMNS)
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (SHIPPED, SHIPPED, orders[SHIPPED].waybill_no), (WAITING, WAITING, ""), (UNKNOWN, "", "")]
    assert rows[1][-1] == NO_PACKAGE and rows[2][-1] == NOT_FOUND

    page.reload()
    expect(page.locator("#job-status")).to_have_attribute("data-state", "done")
    expect(page.locator("a:has-text('下载结果')")).to_be_visible()
    page.goto(f"{live_server.url}{reverse('tools-batch-query')}")
    expect(page.locator("table")).to_contain_text("十二月查询.xlsx")


def test_a_viewer_may_run_a_batch_query_but_not_print_or_ship(
        signed_in, live_server, orders, tmp_path, immediate_huey, client, console_users):
    page = signed_in("viewer")
    page.goto(f"{live_server.url}{reverse('tools-batch-query')}")
    page.set_input_files("input[name=file]", query_file(tmp_path / "q.xlsx", [SHIPPED]))
    page.click("button:has-text('开始查询')")
    expect(page.locator("#job-status")).to_have_attribute("data-state", "done")
    for name in ("tools-labels", "tools-ship"):
        page.goto(f"{live_server.url}{reverse(name)}")
        expect(page.locator("form button[type=submit].primary")).to_be_disabled()

    viewer = client_for(client, console_users["viewer"])
    for name in ("tools-labels", "tools-ship"):
        assert viewer.post(reverse(name), {"order_nos": SHIPPED}).status_code == 403
    assert not Package.objects.filter(order__order_no=WAITING).exists()


def test_labels_for_pasted_order_numbers_come_as_one_pdf(signed_in, live_server, make_order):
    make_order("312345678911")
    make_order("312345678912")
    page = signed_in("operator")
    page.goto(f"{live_server.url}{reverse('tools-labels')}")
    page.fill("textarea[name=order_nos]", "312345678911\n312345678912")
    page.select_option("select[name=size]", "100x150")
    with page.expect_download() as download:
        page.click("button:has-text('生成 PDF')")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    printed = Package.objects.filter(order__order_no__in=["312345678911", "312345678912"], printed_at__isnull=False)
    assert printed.count() == 2


def test_shipment_shows_a_result_per_order(signed_in, live_server, make_order, screenshot):
    make_order("312345678921")
    page = signed_in("operator")
    page.goto(f"{live_server.url}{reverse('tools-ship')}")
    page.fill("textarea[name=order_nos]", f"312345678921, {UNKNOWN}")
    page.click("button:has-text('确认发货')")
    good, unknown = page.locator("#ship-results tr[data-order-no='312345678921']"), page.locator(
        f"#ship-results tr[data-order-no='{UNKNOWN}']")
    waybill = Package.objects.get(order__order_no="312345678921").waybill_no
    expect(good).to_contain_text("已发货")
    expect(good).to_contain_text(waybill)
    expect(unknown).to_contain_text("失败")
    expect(unknown).to_contain_text(UNKNOWN)
    expect(page.locator("#ship-results")).to_contain_text("已发货 1 个订单，失败 1 个")
    screenshot(page, "tools-ship")


# --- through the test client -----------------------------------------------------------------------


def test_a_file_that_is_no_spreadsheet_ends_as_a_failed_job_with_the_readers_message(
        client, console_users, immediate_huey):
    operator = client_for(client, console_users["operator"])
    upload = SimpleUploadedFile("订单.xlsx", b"these are not the cells you are looking for")
    response = operator.post(reverse("tools-batch-query"), {"file": upload})
    job = BatchJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tools-batch-job", args=[job.pk])
    assert job.state == BatchJob.State.FAILED and job.finished_at is not None
    assert job.error.startswith("无法读取文件「订单.xlsx」：文件已损坏或不是表格文件")
    page = operator.get(response["Location"]).content.decode()
    assert "无法读取文件「订单.xlsx」" in page and "下载结果" not in page
    assert operator.get(reverse("tools-batch-download", args=[job.pk])).status_code == 404


def test_the_uploaded_name_is_never_a_path(client, console_users, immediate_huey, job_home):
    operator = client_for(client, console_users["operator"])
    upload = SimpleUploadedFile("../../etc/订单 .CSV", f"订单号\n{UNKNOWN}\n".encode())
    operator.post(reverse("tools-batch-query"), {"file": upload})
    job = BatchJob.objects.get()
    assert job.state == BatchJob.State.DONE
    folder = Path(job.input_path).parent
    assert folder.parent == job_home / "jobs" and folder.name.startswith(f"{job.pk}-")
    assert sorted(p.name for p in folder.iterdir()) == ["result.xlsx", "upload.csv"]


def test_an_upload_over_the_limit_is_refused_before_any_job(client, console_users, monkeypatch):
    monkeypatch.setattr(tools, "MAX_UPLOAD_BYTES", 1024)
    operator = client_for(client, console_users["operator"])
    response = operator.post(reverse("tools-batch-query"), {"file": SimpleUploadedFile("big.csv", b"1" * 2048)})
    assert response.status_code == 200
    assert "文件太大" in response.content.decode()
    assert not BatchJob.objects.exists()


def test_a_job_is_seen_by_its_creator_and_admins_only(client, console_users, immediate_huey):
    operator = client_for(client, console_users["operator"])
    operator.post(reverse("tools-batch-query"), {"file": SimpleUploadedFile("q.csv", f"订单号\n{UNKNOWN}\n".encode())})
    job = BatchJob.objects.get()
    pages = [reverse("tools-batch-job", args=[job.pk]), reverse("tools-batch-download", args=[job.pk])]
    assert [operator.get(url).status_code for url in pages] == [200, 200]
    assert job.input_name in operator.get(reverse("tools-batch-query")).content.decode()

    client.force_login(console_users["viewer"])
    assert [client.get(url).status_code for url in pages] == [404, 404]
    assert job.input_name not in client.get(reverse("tools-batch-query")).content.decode()
    client.force_login(console_users["admin"])
    assert [client.get(url).status_code for url in pages] == [200, 200]


def test_the_status_part_polls_until_the_job_ends(client, console_users, monkeypatch):
    monkeypatch.setattr(tasks, "run_batch_job", lambda job_id: None)
    operator = client_for(client, console_users["operator"])
    operator.post(reverse("tools-batch-query"), {"file": SimpleUploadedFile("q.csv", f"订单号\n{UNKNOWN}\n".encode())})
    job = BatchJob.objects.get()
    url = reverse("tools-batch-job", args=[job.pk])
    polling = operator.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in polling and "<html" not in polling
    tasks.run_job(job)
    done = operator.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and reverse("tools-batch-download", args=[job.pk]) in done


def test_the_task_writes_progress_while_it_runs(console_users, monkeypatch, tmp_path):
    monkeypatch.setattr(query, "CHUNK", 2)
    monkeypatch.setattr(tasks, "PROGRESS_SECONDS", 0)
    monkeypatch.setattr(tasks, "run_batch_job", lambda job_id: None)
    seen = []
    save = tasks._save_progress

    def watched(job_id, rows):
        save(job_id, rows)
        seen.append(BatchJob.objects.values_list("state", "processed").get(pk=job_id))

    monkeypatch.setattr(tasks, "_save_progress", watched)
    numbers = "".join(f"3123456789{n:02d}\n" for n in range(5))
    job = tasks.submit_batch_job(console_users["operator"], SimpleUploadedFile("q.txt", numbers.encode()),
                                 as_csv=True, refresh=False)
    tasks.run_job(job)
    assert seen == [("running", 2), ("running", 4), ("running", 5)]
    job.refresh_from_db()
    assert (job.state, job.processed) == (BatchJob.State.DONE, 5)
    assert ["查询行数", "5"] in job.summary
    assert open(job.output_path, encoding="utf-8-sig").read().count(NOT_FOUND) == 5


def test_the_order_list_hands_selected_orders_to_labels_and_shipment(client, console_users, make_order):
    make_order("312345678931")
    make_order("312345678932")
    operator = client_for(client, console_users["operator"])
    selected = {"order_no": ["312345678931", "312345678932"]}
    printed = operator.post(reverse("tools-labels"), selected)
    assert printed["Content-Type"] == "application/pdf" and b"".join(printed.streaming_content).startswith(b"%PDF")
    shipped = operator.post(reverse("tools-ship"), selected)
    assert [(r.order_no, r.ok) for r in shipped.context["results"]] == [("312345678931", True), ("312345678932", True)]


def test_labels_that_cannot_print_are_listed_on_the_page(client, console_users, make_order):
    make_order("312345678941", status="canceled")
    operator = client_for(client, console_users["operator"])
    response = operator.post(reverse("tools-labels"), {"order_nos": f"312345678941 {UNKNOWN}"})
    page = response.content.decode()
    assert response.status_code == 200 and "没有打印任何面单" in page
    assert "312345678941：" in page and f"{UNKNOWN}：" in page
    assert "312345678941" in response.context["order_nos"]  # the numbers are still in the box


def test_an_uploaded_shipment_list_reports_its_bad_rows(client, console_users, make_order):
    make_order("312345678951")
    operator = client_for(client, console_users["operator"])
    listing = SimpleUploadedFile("发货.csv", "订单号,物流单号,快递公司\n312345678951,,\n312345678952,JDV000000000001,\n"
                                 .encode())
    response = operator.post(reverse("tools-ship"), {"list_file": listing})
    results = {r.order_no: r for r in response.context["results"]}
    assert results["312345678951"].ok
    assert not results["312345678952"].ok and results["312345678952"].error == "第 3 行 312345678952：填写了物流单号，但没有填写快递公司"


def test_a_list_file_that_cannot_be_read_says_so(client, console_users):
    operator = client_for(client, console_users["operator"])
    response = operator.post(reverse("tools-ship"), {"list_file": SimpleUploadedFile("orders.pdf", b"%PDF-1.7")})
    assert "不支持的文件类型「.pdf」" in response.context["error"]
    assert "results" not in response.context
