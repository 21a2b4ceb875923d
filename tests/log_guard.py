"""No receiver's phone, name or address in any log line, checked over the whole test run.

A pytest plugin (``pytest_plugins`` in tests/conftest.py). Every record any logger emits while the
tests run (root lowered to DEBUG, so nothing is skipped for its level) is passed through the
configured handler's own filters and formatter, i.e. turned into the line production would write,
and that line is checked against the personal data the tests handled: the factories' receiver and
every receiver of every ``Order`` the run instantiated (demo data, imports, API upserts alike).
Known values rather than patterns: a pattern for names would flag ordinary words, while a receiver
known to the run is the very thing that must not show. At the end the run fails, naming the test,
the logger and what leaked. Lines logged by yundan processes a test starts are checked by the
tests that start them (tests/ops/test_logs.py runs ``yundan serve`` with JSON logs).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.db.models.signals import post_init

from yundan.logs import UUID
from yundan.orders.receivers import PHONE_IN_TEXT
from yundan.text import to_half_width

# The factories' receiver (tests/conftest.py make_order).
FACTORY_RECEIVER = {"name": "张三", "phone": "13812345678", "address": "文三路90号1号楼302室"}
NAME_KEY, ADDRESS_KEY = 2, 6  # values are found by their first characters, then compared whole
MIN_ADDRESS = 6  # shorter "addresses" (a bare "1号") would match ordinary text
_DIGITS = re.compile(r"\d+")
# A number written with spaces, dashes or brackets: "+86 138-1234-5678", "(010) 6552 9988".
_SPELLED_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"
                            r"|(?<!\d)\(?0\d{2,3}\)?[\s-]?[2-9]\d{2,3}[\s-]?\d{4}(?!\d)")


@dataclass
class Leak:
    test: str
    logger: str
    what: str
    line: str


@dataclass
class PersonalData:
    """Receivers' values the run has seen, indexed for a search in one pass over a line."""

    texts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # first chars → values
    phones: set[str] = field(default_factory=set)  # digits of a full number

    def add_receiver(self, name: str, phone: str, address: str) -> None:
        name, address = (name or "").strip(), (address or "").strip()
        if len(name) >= NAME_KEY:
            self.texts[name[:NAME_KEY]].add(name)
        if len(address) >= MIN_ADDRESS:
            self.texts[address[:NAME_KEY]].add(address)
        digits = "".join(_DIGITS.findall(to_half_width(phone or "")))
        if len(digits) >= 7:
            self.phones.add(digits)

    def found_in(self, line: str) -> list[str]:
        found = [f"phone {digits}" for digits in self._phones_in(line)]
        unmasked = PHONE_IN_TEXT.finditer(UUID.sub(" ", to_half_width(line)))  # ids are kept whole, as logs.py does
        found += [f"unmasked phone-like number {m.group()!r}" for m in unmasked]
        for start in range(len(line) - NAME_KEY + 1):
            for value in self.texts.get(line[start:start + NAME_KEY], ()):
                if line.startswith(value, start):
                    found.append(f"receiver text {value!r}")
        return found

    def _phones_in(self, line: str) -> set[str]:
        """Known numbers as they are, or spelled with spaces, dashes, brackets, +86, full-width digits."""
        line = to_half_width(line)
        spelled = ("".join(_DIGITS.findall(m.group())) for m in _SPELLED_PHONE.finditer(line))
        return {number for run in (*_DIGITS.findall(line), *spelled)
                for number in (run, run[2:] if run.startswith("86") else run) if number in self.phones}


class LogGuard(logging.Handler):
    """Formats each record as ``writer`` (the configured handler) would and keeps what leaks."""

    def __init__(self, known: PersonalData, writer: logging.Handler):
        super().__init__(logging.DEBUG)
        self.known, self.writer, self.leaks, self.test, self.checked = known, writer, [], "(outside a test)", 0

    def emit(self, record: logging.LogRecord) -> None:
        record = logging.makeLogRecord(vars(record))  # a copy: the writer's filters change records
        if not self.writer.filter(record):
            return
        line = self.writer.format(record)
        self.checked += 1
        for what in self.known.found_in(line):
            self.leaks.append(Leak(self.test, record.name, what, line[:500]))


def configured_writer() -> logging.Handler:
    """The handler settings.LOGGING gives the root logger: what production writes through."""
    return next(h for h in logging.getLogger().handlers if h.get_name() == "console")


known = PersonalData()
known.add_receiver(**FACTORY_RECEIVER)
guard: LogGuard | None = None


def _remember_receiver(sender, instance, **kwargs):
    loaded = vars(instance)  # never a deferred field: reading one would query the database
    known.add_receiver(loaded.get("receiver_name", ""), loaded.get("receiver_phone", ""),
                       loaded.get("receiver_address", ""))


def pytest_sessionstart(session):
    global guard
    from yundan.orders.models import Order

    post_init.connect(_remember_receiver, sender=Order, dispatch_uid="log_guard")
    guard = LogGuard(known, configured_writer())
    logging.getLogger().setLevel(logging.DEBUG)  # the writer keeps its own level for what it prints


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    root = logging.getLogger()
    if guard not in root.handlers:  # (again, if a test reconfigured logging)
        root.addHandler(guard)
    root.setLevel(logging.DEBUG)  # (again: loading a command's module may configure logging anew)
    guard.test = item.nodeid
    try:
        return (yield)
    finally:
        guard.test = "(outside a test)"


def pytest_terminal_summary(terminalreporter):
    if guard is not None and not guard.leaks:
        terminalreporter.write_line(f"log guard: {guard.checked} log lines checked, no receiver's phone, name or address")


def pytest_sessionfinish(session, exitstatus):
    if guard is None or not guard.leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{leak.test} · {leak.logger} · {leak.what}\n    {leak.line}" for leak in guard.leaks[:50]]
    message = f"personal data in {len(guard.leaks)} log line(s) (tests/log_guard.py):\n" + "\n".join(lines)
    if reporter is not None:
        reporter.write_sep("=", "log guard", red=True)
        reporter.write_line(message)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
