"""Batch queries as background jobs: the console stores the upload, the worker answers it.

A job's files live in ``YUNDAN_HOME/jobs/<job id>-<token>/``: the upload as ``upload<suffix>`` (the name the
merchant gave it is kept for display only) and the result as ``result.xlsx`` or ``result.csv``.
"""

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from huey.contrib.djhuey import db_task

from yundan import clock
from yundan.batch.models import BatchJob, jobs_folder
from yundan.batch.query import run_batch_query
from yundan.batch.reading import InputError

PROGRESS_SECONDS = 1.0  # at most one progress write per this many seconds
INTERNAL_ERROR = "查询时出现内部错误，请稍后重试或联系管理员（internal error: see the worker's log）"


def submit_batch_job(user, upload: UploadedFile, *, as_csv: bool, refresh: bool) -> BatchJob:
    """Store the upload and queue its query; the job's page follows it from there."""
    with transaction.atomic():
        job = BatchJob.objects.create(created_by=user, input_name=upload.name, as_csv=as_csv, refresh=refresh)
        # A token beside the id: a folder left by a database since replaced is never reused.
        folder = jobs_folder() / f"{job.pk}-{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True)
        input_path = folder / f"upload{plain_suffix(upload.name)}"
        with input_path.open("wb") as stored:
            for chunk in upload.chunks():
                stored.write(chunk)
        job.input_path = str(input_path)
        job.output_path = str(folder / ("result.csv" if as_csv else "result.xlsx"))
        job.save(update_fields=["input_path", "output_path"])
        transaction.on_commit(lambda: run_batch_job(job.pk))
    return job


def plain_suffix(name: str) -> str:
    """The suffix of a file name a user gave (``.xlsx``), when it is a plain one, else "".

    Only this part of the name ever reaches the disk: the readers pick the format by it. An
    unknown suffix is the reader's to refuse, with its message."""
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""


@db_task(retries=2, retry_delay=10, context=True)
def run_batch_job(job_id: int, task=None) -> None:
    run_job(BatchJob.objects.get(pk=job_id), last_try=task is None or not task.retries)


def run_job(job: BatchJob, last_try: bool = True) -> None:
    """Answer the job's upload; the job ends done with its counts, or failed with the reason.

    An unexpected error (the database restarting under the query, its connection gone) ends this
    try; Huey runs the job again on a new connection and it starts over (it only reads, and its
    result file is written anew). Only the last try marks the job failed: before, a job cut by a
    restart could not even record its failure, and stayed "running" for ever."""
    BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.State.RUNNING)
    progress = ProgressWriter(job.pk)
    try:
        result = run_batch_query(Path(job.input_path), Path(job.output_path), as_csv=job.as_csv,
                                 refresh=job.refresh, progress=progress)
    except InputError as error:
        # The reader names the stored file; the merchant knows it by the name they uploaded.
        _finish(job, BatchJob.State.FAILED, error=str(error).replace(Path(job.input_path).name, job.input_name))
    except Exception:
        if last_try:
            _finish(job, BatchJob.State.FAILED, error=INTERNAL_ERROR)
        raise
    else:
        _finish(job, BatchJob.State.DONE, processed=result.input_rows, summary=result.summary_rows()[1:])
    finally:
        progress.close()


def _finish(job: BatchJob, state: str, **fields) -> None:
    BatchJob.objects.filter(pk=job.pk).update(state=state, finished_at=clock.now(), **fields)


def _save_progress(job_id: int, rows: int) -> None:
    BatchJob.objects.filter(pk=job_id).update(processed=rows)


class ProgressWriter:
    """The query's progress callback: counts the rows answered and, at most every
    ``PROGRESS_SECONDS``, writes the count to the job for its page to show.

    The write is made in a thread of its own, with its own database connection: the query shares
    this thread's connection with its lookup thread, which may be using it at that very moment.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.rows = 0
        self.written_at = time.monotonic()
        self.writer = ThreadPoolExecutor(1, thread_name_prefix=f"batch-job-{job_id}-progress")

    def __call__(self, rows: int) -> None:
        self.rows += rows
        if time.monotonic() - self.written_at >= PROGRESS_SECONDS:
            self.writer.submit(_save_progress, self.job_id, self.rows).result()
            self.written_at = time.monotonic()

    def close(self) -> None:
        self.writer.submit(connections.close_all).result()  # the writer thread's connection
        self.writer.shutdown()
