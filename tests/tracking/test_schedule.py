from datetime import timedelta

from yundan.tracking.schedule import Checks, Limits, Policy, earliest_allowed, next_refresh
from yundan.tracking.statuses import TrackingStatus as S

from factories import NOW

POLICY = Policy(
    intervals={S.PENDING: timedelta(hours=2), S.IN_TRANSIT: timedelta(hours=4), S.OUT_FOR_DELIVERY: timedelta(hours=1)},
    retire_after=timedelta(days=60),
    subscribed_interval=timedelta(hours=12),
)
NO_LIMITS = Limits()
KUAIDI100 = Limits(min_interval=timedelta(minutes=30), daily_limit=48)


def due(status, last_change=NOW, subscribed=False, checks=Checks(), limits=NO_LIMITS):
    return next_refresh(status, now=NOW, last_change=last_change, subscribed=subscribed, checks=checks,
                        limits=limits, policy=POLICY)


def test_the_interval_follows_the_status():
    assert due(S.PENDING) == NOW + timedelta(hours=2)
    assert due(S.IN_TRANSIT) == NOW + timedelta(hours=4)
    assert due(S.OUT_FOR_DELIVERY) == NOW + timedelta(hours=1)


def test_a_status_without_its_own_interval_is_polled_like_in_transit():
    assert due(S.REJECTED) == NOW + timedelta(hours=4)


def test_terminal_packages_are_never_polled():
    for status in (S.DELIVERED, S.RETURNED, S.LOST):
        assert due(status) is None


def test_sixty_days_without_change_retires_the_package():
    assert due(S.IN_TRANSIT, last_change=NOW - timedelta(days=60)) is None
    assert due(S.IN_TRANSIT, last_change=NOW - timedelta(days=59)) is not None


def test_a_pushed_package_is_polled_only_as_a_fallback():
    assert due(S.OUT_FOR_DELIVERY, subscribed=True) == NOW + timedelta(hours=12)


def test_the_carrier_minimum_interval_is_respected():
    checks = Checks(NOW - timedelta(minutes=10), NOW - timedelta(minutes=10), 1)
    assert earliest_allowed(checks, KUAIDI100) == NOW + timedelta(minutes=20)
    fast = Policy({S.IN_TRANSIT: timedelta(minutes=5)}, timedelta(days=60), timedelta(hours=12))
    assert next_refresh(S.IN_TRANSIT, now=NOW, last_change=NOW, subscribed=False, checks=checks, limits=KUAIDI100,
                        policy=fast) == NOW + timedelta(minutes=20)


def test_the_daily_limit_waits_for_the_window_to_end():
    start = NOW - timedelta(hours=20)
    full = Checks(NOW - timedelta(hours=1), start, 48)
    assert earliest_allowed(full, KUAIDI100) == start + timedelta(days=1)
    assert earliest_allowed(Checks(NOW - timedelta(hours=1), start, 47), KUAIDI100) <= NOW


def test_counting_checks_opens_a_new_window_after_a_day():
    checks = Checks()
    for minute in range(3):
        checks = checks.after_one_more(NOW + timedelta(minutes=minute))
    assert (checks.window_start, checks.in_window) == (NOW, 3)
    later = checks.after_one_more(NOW + timedelta(days=1))
    assert (later.window_start, later.in_window) == (NOW + timedelta(days=1), 1)
