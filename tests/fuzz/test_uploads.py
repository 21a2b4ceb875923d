"""The same generated and broken files, uploaded the ways a merchant uploads them: the REST API's
``POST /api/v1/batch-jobs``, the console's 批量查询, the list file of 批量发货 and 批量打印面单, and
the ``yundan`` commands that take a file.

Passing: no 5xx and no traceback; a batch query becomes a job that ends done, or failed with the
reader's reason (never the internal-error message); the list-file pages answer with the rows they
could not use; the commands end or raise CommandError; and only the job's own rows are stored.
"""

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from fuzz.files import hostile_text, malformed_files, scratch_folder, spreadsheet_files
from fuzz.stored import rolled_back, row_counts, stored_rows
from fuzz.tally import TALLY, fuzz_settings
from huey.contrib.djhuey import HUEY
from hypothesis import given
from hypothesis import strategies as st

from yundan.api.keys import create_key
from yundan.batch.models import BatchJob
from yundan.batch.tasks import INTERNAL_ERROR
from yundan.console.roles import set_role

pytestmark = pytest.mark.django_db

JOB_TABLES = {"batch.BatchJob", "api.ApiBatchJob"}
any_file = st.data()


@pytest.fixture(autouse=True)
def jobs_run_at_once(settings, tmp_path, no_rate_limits):
    settings.YUNDAN_HOME = tmp_path  # the jobs' folders
    was, HUEY.immediate = HUEY.immediate, True
    yield
    HUEY.immediate = was


@pytest.fixture
def operator(client, django_user_model):
    user = django_user_model.objects.create_user(username="fuzz-operator", password="fuzz-pass-2026")
    set_role(user, "operator")
    client.force_login(user)
    return client


def upload_of(data, folder) -> SimpleUploadedFile:
    """A generated file under the name the merchant's browser sends: its own, or a hostile one."""
    path = data.draw(st.one_of(spreadsheet_files(folder), malformed_files(folder)))
    name = data.draw(st.one_of(st.just(path.name), hostile_text.map(lambda text: text + path.suffix),
                               st.just("../../etc/" + path.name), st.just("x" * 300 + path.suffix)))
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def job_outcome(job: BatchJob) -> str:
    assert job.state in (BatchJob.State.DONE, BatchJob.State.FAILED), job.state
    if job.state == BatchJob.State.DONE:
        return "job done"
    assert job.error and job.error != INTERNAL_ERROR, job.error
    return "job failed with the reason"


@given(data=any_file, as_csv=st.booleans())
@fuzz_settings(25)
def test_the_api_takes_any_upload_as_a_job_that_ends_done_or_failed_with_a_reason(
        client, data, as_csv, django_capture_on_commit_callbacks):
    token = create_key("write", "fuzz").token
    with scratch_folder() as folder:
        upload = upload_of(data, folder)
        before = row_counts()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/batch-jobs", {"file": upload, "as_csv": str(as_csv).lower()},
                                   headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 422:  # a name of control characters only: Django drops such a file part
            assert [field["path"] for field in response.json()["error"]["fields"]] == ["file"]
            assert stored_rows(before, row_counts()) == {}
            TALLY.record("upload: API POST /batch-jobs", "422 naming the file field")
            return
        assert response.status_code == 202, response.content[:500]
        job = BatchJob.objects.get(pk=response.json()["id"])
        TALLY.record("upload: API POST /batch-jobs", f"202, {job_outcome(job)}")
        assert set(stored_rows(before, row_counts())) <= JOB_TABLES | {"api.ApiKey"}


@given(data=any_file)
@fuzz_settings(20)
def test_the_console_takes_any_upload_as_a_job_that_ends_done_or_failed_with_a_reason(
        operator, data, django_capture_on_commit_callbacks):
    with scratch_folder() as folder:
        upload = upload_of(data, folder)
        before = row_counts()
        with django_capture_on_commit_callbacks(execute=True):
            response = operator.post(reverse("tools-batch-query"), {"file": upload})
        if response.status_code == 200:  # the form refused it (an empty file): said on the page, no job
            assert 'class="error"' in response.content.decode() and stored_rows(before, row_counts()) == {}
            TALLY.record("upload: console 批量查询", "200, the form says why")
            return
        assert response.status_code == 302, response.content[:500]
        job = BatchJob.objects.order_by("-pk").first()
        TALLY.record("upload: console 批量查询", f"302, {job_outcome(job)}")
        assert set(stored_rows(before, row_counts())) <= JOB_TABLES


@given(data=any_file, page=st.sampled_from(["tools-ship", "tools-labels"]))
@fuzz_settings(25)
def test_a_list_file_for_shipping_or_labels_answers_with_a_page_and_ships_nothing_unknown(operator, data, page):
    # No order exists: whatever the file names, nothing may be shipped, printed or stored.
    with scratch_folder() as folder:
        upload = upload_of(data, folder)
        before = row_counts()
        response = operator.post(reverse(page), {"list_file": upload, "order_nos": data.draw(hostile_text)})
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith("text/html")
        assert stored_rows(before, row_counts()) == {}
        TALLY.record(f"upload: console list file ({page})", "200 page")


COMMANDS = {
    "yundan batch query": lambda path, folder: ["batch", "query", str(path), "--out", str(folder / "out.xlsx")],
    "yundan orders import": lambda path, folder: ["orders", "import", str(path), "--shop", "fuzz"],
    "yundan ship --from": lambda path, folder: ["ship", "--from", str(path)],
}


@given(data=any_file, command=st.sampled_from(sorted(COMMANDS)))
@fuzz_settings(25)
def test_the_commands_that_read_a_file_end_or_say_why(data, command):
    with scratch_folder() as folder, rolled_back():
        path = data.draw(st.one_of(spreadsheet_files(folder), malformed_files(folder)))
        out = io.StringIO()
        try:
            with redirect_stdout(out), redirect_stderr(out):
                call_command(*COMMANDS[command](path, folder), stdout=out, stderr=out)
        except CommandError as error:
            assert str(error).strip()
            TALLY.record(f"command: {command}", "CommandError with the reason")
        else:
            TALLY.record(f"command: {command}", "done")
