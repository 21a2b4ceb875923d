"""The log guard (tests/log_guard.py) that fails the run on personal data in a log line: it finds
what it must, in every spelling, and nothing else."""

import logging

import pytest
from log_guard import FACTORY_RECEIVER, LogGuard, PersonalData, configured_writer


@pytest.fixture
def known():
    data = PersonalData()
    data.add_receiver(**FACTORY_RECEIVER)
    data.add_receiver("欧阳娜娜", "010-65529988", "建国路88号SOHO现代城5号楼1203室")
    return data


@pytest.mark.parametrize("line", [
    "收货人 张三", "address=文三路90号1号楼302室;", "phone 13812345678", "phone +86 138-1234-5678",
    "电话（010）6552 9988", "tel 01065529988", "全角 １３８１２３４５６７８", '{"name": "欧阳娜娜"}',
])
def test_the_guard_finds_a_known_receiver_however_it_is_written(known, line):
    assert known.found_in(line)


@pytest.mark.parametrize("line", [
    "收货人 张*，电话 1******5678", "文三路90号*号楼***室", "订单 312345678901 运单 JDX000013812345",
    "010-******88", "张", "2026-11-27 13:81:23",
])
def test_the_guard_lets_masked_data_and_other_numbers_pass(known, line):
    assert known.found_in(line) == []


def record(message, *args, **extra):
    return logging.getLogger("yundan.guarded").makeRecord("yundan.guarded", logging.INFO, __file__, 1, message,
                                                          args, None, extra=extra)


def test_through_the_configured_handler_phones_are_masked_but_a_name_in_free_text_is_caught(known):
    guard = LogGuard(known, configured_writer())
    guard.handle(record("call %s", "13812345678"))
    guard.handle(record("shipped", receiver_name="张三"))
    assert guard.leaks == []
    guard.handle(record("shipped to %s", "张三"))
    assert [leak.what for leak in guard.leaks] == ["receiver text '张三'"]
    assert guard.checked == 3


def test_a_handler_without_the_filter_would_be_caught_writing_any_phone(known):
    guard = LogGuard(known, logging.StreamHandler())
    guard.handle(record("courier %s", "13900001111"))
    assert [leak.what for leak in guard.leaks] == ["unmasked phone-like number '13900001111'"]
