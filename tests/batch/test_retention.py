"""Jobs that ended long ago are deleted with their files; running ones and recent ones stay."""

from datetime import timedelta

import pytest

from yundan.batch import tasks
from yundan.batch.models import BatchJob, jobs_folder
from yundan.batch.retention import delete_ended_jobs

from factories import NOW

pytestmark = pytest.mark.django_db
DONE, FAILED, RUNNING = BatchJob.State.DONE, BatchJob.State.FAILED, BatchJob.State.RUNNING


def job(state, ended_days_ago=None, folder_name=None) -> BatchJob:
    folder = jobs_folder() / (folder_name or f"job-{BatchJob.objects.count()}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "upload.csv").write_text("订单号\n312345678901\n")
    (folder / "result.csv").write_text("订单号,物流单号\n")
    ended = None if ended_days_ago is None else NOW - timedelta(days=ended_days_ago)
    return BatchJob.objects.create(input_name="q.csv", input_path=str(folder / "upload.csv"),
                                   output_path=str(folder / "result.csv"), state=state, finished_at=ended)


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    settings.YUNDAN_HOME = tmp_path
    settings.YUNDAN_NOW = NOW


def test_jobs_that_ended_long_ago_go_with_their_folders_and_the_rest_stay():
    old_done, old_failed = job(DONE, 31), job(FAILED, 45)
    recent, running = job(DONE, 29), job(RUNNING)
    assert delete_ended_jobs(timedelta(days=30)) == 2
    assert set(BatchJob.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert not any(jobs_folder().joinpath(f"job-{n}").exists() for n in (0, 1))
    assert all(jobs_folder().joinpath(f"job-{n}", "result.csv").exists() for n in (2, 3))
    assert delete_ended_jobs(timedelta(days=30)) == 0


def test_only_a_folder_inside_the_jobs_folder_is_ever_removed(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "upload.csv").write_text("keep me")
    BatchJob.objects.create(input_name="q.csv", input_path=str(outside / "upload.csv"), output_path="",
                            state=DONE, finished_at=NOW - timedelta(days=90))
    assert delete_ended_jobs(timedelta(days=30)) == 1
    assert (outside / "upload.csv").read_text() == "keep me"


def test_the_nightly_task_keeps_every_job_when_the_setting_is_zero(settings):
    job(DONE, 400)
    settings.YUNDAN_BATCH_JOB_DAYS = 0
    tasks.delete_old_batch_jobs.call_local()
    assert BatchJob.objects.count() == 1
    settings.YUNDAN_BATCH_JOB_DAYS = 30
    tasks.delete_old_batch_jobs.call_local()
    assert BatchJob.objects.count() == 0
