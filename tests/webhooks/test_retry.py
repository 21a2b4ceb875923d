"""The retry schedule and when an endpoint is disabled: plain rules, no HTTP."""

import random
from datetime import timedelta

import pytest

from yundan.webhooks.retry import DEFAULT_SCHEDULE, RetryPolicy, next_attempt, parse_schedule, retry_after, should_disable

from factories import NOW


class NoJitter(random.Random):
    def uniform(self, a, b):
        return a


def test_the_default_schedule_spans_about_a_day_in_eight_tries():
    policy = RetryPolicy()
    assert [d.total_seconds() for d in policy.delays] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert policy.tries == 8
    assert timedelta(hours=24) < sum(policy.delays, timedelta()) < timedelta(hours=28)
    assert parse_schedule(DEFAULT_SCHEDULE) == policy.delays


def test_a_schedule_setting_is_read_and_a_bad_one_is_named():
    assert parse_schedule("1s, 1.5m,2h,1d") == (timedelta(seconds=1), timedelta(minutes=1.5), timedelta(hours=2),
                                                timedelta(days=1))
    with pytest.raises(ValueError, match="「5x」"):
        parse_schedule("5s,5x")
    with pytest.raises(ValueError, match="「0s」"):
        parse_schedule("0s")


def test_each_failed_try_waits_the_next_step_and_the_schedule_ends():
    policy, exact = RetryPolicy(), NoJitter()
    times = [next_attempt(policy, step, NOW, rand=exact) for step in range(1, 9)]
    assert times[:3] == [NOW + timedelta(seconds=5), NOW + timedelta(minutes=5), NOW + timedelta(minutes=30)]
    assert times[6] == NOW + timedelta(hours=10) and times[7] is None


def test_jitter_only_lengthens_a_wait_by_up_to_a_tenth():
    waits = {next_attempt(RetryPolicy(), 2, NOW) - NOW for _ in range(200)}
    assert len(waits) > 1 and all(timedelta(minutes=5) <= wait <= timedelta(minutes=5.5) for wait in waits)


def test_retry_after_lengthens_a_wait_up_to_the_longest_step_never_shortens_it():
    policy, exact = RetryPolicy(), NoJitter()
    assert next_attempt(policy, 1, NOW, timedelta(seconds=120), exact) == NOW + timedelta(seconds=120)
    assert next_attempt(policy, 3, NOW, timedelta(seconds=1), exact) == NOW + timedelta(minutes=30)
    assert next_attempt(policy, 1, NOW, timedelta(days=9), exact) == NOW + timedelta(hours=10)
    assert retry_after("120", NOW) == timedelta(seconds=120)
    assert retry_after("Fri, 27 Nov 2026 02:01:00 GMT", NOW) == timedelta(minutes=1)
    assert retry_after("soon", NOW) is None and retry_after(None, NOW) is None


def test_an_endpoint_is_disabled_after_a_day_of_failures_with_enough_tries():
    policy = RetryPolicy()
    day = timedelta(hours=24)
    assert should_disable(policy, NOW - day, 5, NOW)
    assert not should_disable(policy, NOW - day + timedelta(minutes=1), 50, NOW)  # not a day yet
    assert not should_disable(policy, NOW - day * 2, 2, NOW)  # one failure, silence, one more: too few
    assert not should_disable(policy, None, 0, NOW)
