"""Batch queries as background jobs: the console stores the upload, the worker answers it.

A job's files live in ``YUNDAN_HOME/jobs/<job id>-<token>/``: the upload as ``upload<suffix>`` (the name the
merchant gave it is kept for display only) and the result as ``result.xlsx`` or ``result.csv``.
"""

import logging
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yundan import clock
from yundan.batch.models import BatchJob, jobs_folder
from yundan.batch.query import run_batch_query
from yundan.batch.reading import InputError
from yundan.batch.retention import delete_ended_jobs

PROGRESS_SECONDS = 1.0  # at most one progress write per this many seconds
HEARTBEAT_SECONDS = 30.0  # a running job's worker writes its heartbeat this often
LOST_AFTER = timedelta(minutes=5)  # a running job without a heartbeat for this long lost its worker
MAX_STARTS = 5  # a job started this many times without ending is failed, not queued again
INTERNAL_ERROR = "查询时出现内部错误，请稍后重试或联系管理员（internal error: see the worker's log）"
GAVE_UP = (f"执行此任务的后台进程已中断 {MAX_STARTS} 次（例如被系统终止），不再重试；请把文件拆小后重新提交"
           f"（the worker running this job stopped {MAX_STARTS} times: split the file and submit it again）")

log = logging.getLogger(__name__)


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
    BatchJob.objects.filter(pk=job.pk).update(state=BatchJob.State.RUNNING, heartbeat_at=clock.now(),
                                              starts=F("starts") + 1)
    progress = ProgressWriter(job.pk)
    heartbeat = Heartbeat(job.pk)
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
        heartbeat.stop()
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


class Heartbeat:
    """Writes a running job's ``heartbeat_at`` every ``HEARTBEAT_SECONDS`` from a thread (and a
    database connection) of its own, however long the query waits, until ``stop()``. A worker
    killed with ``kill -9`` stops beating; ``requeue_lost_jobs`` then finds the job."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"batch-job-{job_id}-heartbeat", daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    BatchJob.objects.filter(pk=self.job_id, state=BatchJob.State.RUNNING).update(
                        heartbeat_at=clock.now())
                except DatabaseError as error:  # the database restarting: the next beat tries again
                    log.warning("batch job %s: heartbeat not written: %s", self.job_id, error)
                    connections.close_all()
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


def requeue_lost_jobs() -> list[int]:
    """Running jobs whose heartbeat stopped more than ``LOST_AFTER`` ago lost their worker (killed
    with its job in hand: Huey had already taken the job off the queue). Each goes back to queued
    and its id is returned for queueing; one started ``MAX_STARTS`` times is failed with the reason.
    Each change is made only if the job is still as it was read, so two sweeps never take a job
    twice."""
    now = clock.now()
    lost = BatchJob.objects.filter(Q(heartbeat_at__lt=now - LOST_AFTER) | Q(heartbeat_at__isnull=True),
                                   state=BatchJob.State.RUNNING)
    requeued = []
    for job_id, heartbeat_at, starts in lost.values_list("pk", "heartbeat_at", "starts"):
        unchanged = BatchJob.objects.filter(pk=job_id, state=BatchJob.State.RUNNING, heartbeat_at=heartbeat_at)
        if starts >= MAX_STARTS:
            unchanged.update(state=BatchJob.State.FAILED, error=GAVE_UP, finished_at=now)
            log.warning("batch job %s: its worker stopped %d times; failed", job_id, starts)
        elif unchanged.update(state=BatchJob.State.QUEUED, heartbeat_at=None):
            log.warning("batch job %s: its worker stopped (no heartbeat since %s); queued again", job_id, heartbeat_at)
            requeued.append(job_id)
    return requeued


@db_periodic_task(crontab(minute="*"))
def requeue_lost_batch_jobs():
    """Every minute: queue again the batch jobs whose worker was lost."""
    for job_id in requeue_lost_jobs():
        run_batch_job(job_id)


@db_periodic_task(crontab(minute="17", hour="3"))
def delete_old_batch_jobs():
    """Every night: the jobs that ended more than YUNDAN_BATCH_JOB_DAYS days ago go, with their files."""
    if settings.YUNDAN_BATCH_JOB_DAYS > 0:
        deleted = delete_ended_jobs(timedelta(days=settings.YUNDAN_BATCH_JOB_DAYS))
        log.info("batch jobs: %d ended more than %d days ago deleted", deleted, settings.YUNDAN_BATCH_JOB_DAYS)
