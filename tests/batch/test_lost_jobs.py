"""A batch job whose worker was killed (Huey had already taken it off the queue) is found by its
stopped heartbeat and queued again; one that keeps losing its worker is failed with the reason."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import DatabaseError

from yundan.batch import tasks
from yundan.batch.models import BatchJob

from factories import NOW

RUNNING, QUEUED, DONE, FAILED = (BatchJob.State.RUNNING, BatchJob.State.QUEUED, BatchJob.State.DONE,
                                 BatchJob.State.FAILED)


def job(state, heartbeat_minutes_ago=None, starts=1) -> BatchJob:
    beat = None if heartbeat_minutes_ago is None else NOW - timedelta(minutes=heartbeat_minutes_ago)
    return BatchJob.objects.create(input_name="q.csv", input_path="/nowhere/upload.csv", output_path="/nowhere/r.csv",
                                   state=state, heartbeat_at=beat, starts=starts)


@pytest.mark.django_db
def test_a_running_job_without_a_heartbeat_for_five_minutes_is_queued_again_once(frozen_now):
    lost = job(RUNNING, heartbeat_minutes_ago=6)
    from_before_heartbeats = job(RUNNING)  # running when yundan was upgraded: its worker is long gone
    alive = job(RUNNING, heartbeat_minutes_ago=4)
    finished = [job(DONE, heartbeat_minutes_ago=60), job(FAILED, heartbeat_minutes_ago=60), job(QUEUED)]
    assert sorted(tasks.requeue_lost_jobs()) == sorted([lost.pk, from_before_heartbeats.pk])
    assert tasks.requeue_lost_jobs() == []  # a second sweep takes nothing twice
    states = dict(BatchJob.objects.values_list("pk", "state"))
    assert states[lost.pk] == states[from_before_heartbeats.pk] == QUEUED
    assert states[alive.pk] == RUNNING
    assert [states[j.pk] for j in finished] == [DONE, FAILED, QUEUED]


@pytest.mark.django_db
def test_a_job_that_lost_its_worker_at_every_start_is_failed_with_the_reason(frozen_now):
    doomed = job(RUNNING, heartbeat_minutes_ago=10, starts=tasks.MAX_STARTS)
    assert tasks.requeue_lost_jobs() == []
    doomed.refresh_from_db()
    assert (doomed.state, doomed.error, doomed.finished_at) == (FAILED, tasks.GAVE_UP, NOW)
    assert "split the file" in doomed.error


@pytest.mark.django_db
def test_the_periodic_sweep_queues_each_lost_job(frozen_now, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "run_batch_job", queued.append)
    lost = job(RUNNING, heartbeat_minutes_ago=30)
    tasks.requeue_lost_batch_jobs.call_local()
    assert queued == [lost.pk]


@pytest.mark.django_db
def test_a_run_counts_its_start_and_stops_its_heartbeat_when_it_ends(frozen_now, tmp_path):
    upload = tmp_path / "upload.csv"
    upload.write_text("订单号\n312345678901\n")
    queued = job(QUEUED, starts=0)
    BatchJob.objects.filter(pk=queued.pk).update(input_path=str(upload), output_path=str(tmp_path / "result.csv"),
                                                 as_csv=True)
    queued.refresh_from_db()
    tasks.run_job(queued)
    queued.refresh_from_db()
    assert (queued.state, queued.starts, queued.heartbeat_at) == (DONE, 1, NOW)
    assert not [t for t in threading.enumerate() if t.name.endswith("-heartbeat")]


@pytest.mark.django_db(transaction=True)  # the heartbeat writes from a thread and connection of its own
def test_the_heartbeat_beats_from_its_own_thread_and_outlives_a_database_error(frozen_now, monkeypatch):
    monkeypatch.setattr(tasks, "HEARTBEAT_SECONDS", 0.05)
    running = job(RUNNING, heartbeat_minutes_ago=10)
    answers = iter([DatabaseError("the database is restarting")])

    def now():
        error = next(answers, None)
        if error:
            raise error
        return NOW

    monkeypatch.setattr(tasks.clock, "now", now)
    heartbeat = tasks.Heartbeat(running.pk)
    deadline = time.monotonic() + 10
    while BatchJob.objects.get(pk=running.pk).heartbeat_at != NOW and time.monotonic() < deadline:
        time.sleep(0.05)
    heartbeat.stop()
    assert BatchJob.objects.get(pk=running.pk).heartbeat_at == NOW
    assert not heartbeat.thread.is_alive()
