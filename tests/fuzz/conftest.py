"""The fuzz pass (issue 10, "Bad input, tried on purpose"): shared fixtures and the closing tally.

Every surface's test records what it sent in ``fuzz.tally.TALLY``; the table is printed at the end
of the session and saved to ``var/fuzz/report-<database>.json``.
"""

import log_guard
import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_init
from fuzz.tally import TALLY

from yundan.orders.models import Order


def pytest_terminal_summary(terminalreporter):
    if not TALLY.outcomes:
        return
    database = connection.vendor
    terminalreporter.section(f"fuzz inputs tried ({database})")
    for line in TALLY.lines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"saved to {TALLY.save(database)}")


@pytest.fixture
def no_rate_limits(settings):
    """The public pages' and the API's limits out of the way: the fuzzer is one client sending a lot."""
    cache.clear()
    settings.YUNDAN_PUBLIC_RATE_LIMIT = 10**9
    settings.YUNDAN_BUYER_LOOKUPS_PER_ORDER = 10**9
    settings.YUNDAN_API_RATE_LIMIT = 10**9
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fuzzed_receivers_are_not_personal_data():
    """The log guard (tests/log_guard.py) learns every receiver an Order is built with and fails the run
    when one shows in a log line. The fuzzer's receivers are random strings ("[]", "0", "'"), which any
    line may contain; they are not people, so the guard does not learn them here. Log lines are still
    checked against every real receiver the run knows."""
    learning = post_init.disconnect(sender=Order, dispatch_uid="log_guard")
    yield
    if learning:
        post_init.connect(log_guard._remember_receiver, sender=Order, dispatch_uid="log_guard")
