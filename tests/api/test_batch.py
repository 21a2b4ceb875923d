import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from huey.contrib.djhuey import HUEY
from python_calamine import CalamineWorkbook

from yundan.batch.models import BatchJob
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments

pytestmark = pytest.mark.django_db(transaction=True)  # the job is queued when the upload commits

SHIPPED, UNKNOWN = "312345678901", "399999999999"


@pytest.fixture(autouse=True)
def job_home(settings, tmp_path):
    settings.YUNDAN_HOME = tmp_path


@pytest.fixture
def immediate_huey():
    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was


def upload(api, content: bytes, name="订单.csv", status=202, **fields):
    return api.post("/batch-jobs", data={"file": SimpleUploadedFile(name, content), **fields}, status=status)


def test_upload_poll_and_download_the_result(read_api, make_order, immediate_huey):
    make_order(SHIPPED)
    [waybill] = confirm_shipments([ShipmentRequest(SHIPPED)])[0].waybill_nos

    job = upload(read_api, f"订单号\n{SHIPPED}\n{UNKNOWN}\n".encode())

    polled = read_api.get(f"/batch-jobs/{job['id']}")
    assert polled["state"] == "done" and polled["processed"] == 2
    assert {"name": "未找到", "count": 1} in polled["summary"]
    result = read_api.get(polled["result_url"].removeprefix("/api/v1"))
    assert result["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(result.streaming_content))).get_sheet_by_index(0).to_python()
    assert any(waybill in map(str, row) for row in rows)


def test_a_csv_result_when_asked(read_api, make_order, immediate_huey):
    job = upload(read_api, f"订单号\n{UNKNOWN}\n".encode(), as_csv="true")

    result = read_api.get(f"/batch-jobs/{job['id']}/result")

    assert result["Content-Type"].startswith("text/csv")


def test_a_file_that_is_no_spreadsheet_is_a_failed_job_with_the_reason(read_api, immediate_huey):
    job = upload(read_api, b"not cells", name="订单.xlsx")

    polled = read_api.get(f"/batch-jobs/{job['id']}")

    assert polled["state"] == "failed" and "订单.xlsx" in polled["error"] and polled["result_url"] is None
    assert read_api.get(f"/batch-jobs/{job['id']}/result", status=409)["error"]["code"] == "job_not_done"


def test_a_job_is_read_only_by_the_key_that_made_it(read_api, write_api, immediate_huey):
    job = upload(read_api, f"订单号\n{UNKNOWN}\n".encode())

    assert write_api.get(f"/batch-jobs/{job['id']}", status=404)["error"]["code"] == "job_not_found"
    assert write_api.get(f"/batch-jobs/{job['id']}/result", status=404)


def test_a_queued_job_cannot_be_downloaded_yet(read_api):
    job = upload(read_api, f"订单号\n{UNKNOWN}\n".encode())

    assert job["state"] == "queued"
    assert read_api.get(f"/batch-jobs/{job['id']}/result", status=409)


def test_no_file_is_422_and_a_file_over_the_limit_413(read_api, monkeypatch):
    assert read_api.post("/batch-jobs", data={}, status=422)["error"]["fields"][0]["path"] == "file"
    monkeypatch.setattr("yundan.api.batch.MAX_UPLOAD_BYTES", 10)
    assert upload(read_api, b"1" * 20, status=413)["error"]["code"] == "too_large"
    assert not BatchJob.objects.exists()
