import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yundan.orders.receivers import (
    is_mobile,
    mask_address_detail,
    mask_name,
    mask_phone,
    normalize_phone,
    phone_last4,
)

FULL_WIDTH = str.maketrans("0123456789+-()", "０１２３４５６７８９＋－（）")


def digits(n: int, first: str = "0123456789") -> st.SearchStrategy[str]:
    return st.tuples(
        st.sampled_from(first), st.text(alphabet="0123456789", min_size=n - 1, max_size=n - 1)
    ).map("".join)


mobiles = digits(11, first="1")
area_codes = st.one_of(
    st.just("010"), digits(2, first="2").map("0".__add__), digits(3, first="3456789").map("0".__add__)
)
local_numbers = st.one_of(digits(7, first="23456789"), digits(8, first="23456789"))
separators = st.sampled_from(["", " ", "-", "\u3000", "\u00a0"])


@st.composite
def typed_mobiles(draw):
    """(how a person typed a mobile, its canonical form)."""
    number = draw(mobiles)
    sep = draw(separators)
    typed = sep.join([number[:3], number[3:7], number[7:]])
    typed = draw(st.sampled_from(["", "+86 ", "+86", "0086 ", "86", "(+86) "])) + typed
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH)
    return typed, number


@st.composite
def typed_landlines(draw):
    area, local = draw(area_codes), draw(local_numbers)
    middle = len(local) // 2
    local_typed = draw(st.sampled_from([local, f"{local[:middle]} {local[middle:]}"]))
    formats = [f"{area}-{local_typed}", f"({area}) {local_typed}", f"{area} {local_typed}"]
    typed = draw(st.sampled_from(formats))
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH)
    return typed, f"{area}-{local}"


typed_phones = st.one_of(typed_mobiles(), typed_landlines())
phone_like_text = st.text(alphabet="0123456789 -+()转分机８６１＋（）", max_size=30)


# --- normalize_phone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(010) 6552 9988", "010-65529988"),
        ("0755-8888 6666", "0755-88886666"),
        ("（０２１）６２３４５６７８", "021-62345678"),
        ("0571 8765432", "0571-8765432"),
        ("+86 10 6552 9988", "010-65529988"),
    ],
)
def test_landline_keeps_area_code_joined_to_the_number_by_a_hyphen(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613812345678",
     "0086 13812345678", "8613812345678", "１３８１２３４５６７８", "＋８６ １３８１２３４５６７８"],
)
def test_mobile_loses_country_prefix_and_separators(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-65529988转123", "010-65529988-123"),
        ("010-65529988 分机 12", "010-65529988-12"),
        ("010-65529988-123", "010-65529988-123"),
        ("0571-8765432-89", "0571-8765432-89"),
        ("13812345678转1234", "13812345678-1234"),  # a JD privacy relay number
    ],
)
def test_extension_is_kept_after_a_hyphen(raw, expected):
    assert normalize_phone(raw) == expected


def test_trailing_single_digit_group_is_read_as_an_extension_not_an_eighth_digit():
    assert normalize_phone("0571-8765432-1") == "0571-8765432-1"
    assert normalize_phone("0571-87654321") == "0571-87654321"


def test_numbers_without_area_code_and_hotlines_keep_their_digits():
    assert normalize_phone("6552 9988") == "65529988"
    assert normalize_phone("400-820-8820") == "4008208820"


def test_foreign_number_keeps_its_plus_and_is_not_taken_for_a_chinese_mobile():
    assert normalize_phone("+1 415 555 2671") == "+14155552671"
    assert normalize_phone("001 415 555 2671") == "+14155552671"
    assert not is_mobile("+1 415 555 2671")


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_empty_phone_stays_empty(raw):
    assert normalize_phone(raw) == ""


@pytest.mark.parametrize(
    "raw",
    ["无", "abc", "95338", "12345", "1381234567", "138123456789", "0101234", "010-1234567",
     "010-123转5", "+86 12345", "13812345678转1234567", "+1 415 555 2671 转 12"],
)
def test_text_that_cannot_be_a_phone_is_rejected(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_rejection_message_is_bilingual_and_does_not_repeat_the_number():
    with pytest.raises(ValueError) as excinfo:
        normalize_phone("138123")
    message = str(excinfo.value)
    assert re.search(r"[a-z]", message) and re.search(r"[\u4e00-\u9fff]", message)
    assert "138123" not in message


@given(typed_phones)
def test_however_a_phone_is_typed_it_normalizes_to_one_form(typed_and_expected):
    typed, expected = typed_and_expected
    assert normalize_phone(typed) == expected


@given(st.one_of(typed_phones.map(lambda pair: pair[0]), phone_like_text, st.text()))
def test_normalizing_a_phone_twice_changes_nothing(raw):
    try:
        once = normalize_phone(raw)
    except ValueError:
        return
    assert normalize_phone(once) == once


# --- is_mobile / phone_last4 -----------------------------------------------------------------


def test_only_a_plain_mobile_counts_as_mobile():
    assert is_mobile("+86 138 1234 5678")
    assert not is_mobile("010-65529988")
    assert not is_mobile("13812345678转1234")  # relay number: cannot receive SMS
    assert not is_mobile("not a phone")
    assert not is_mobile("")


def test_last4_are_those_of_the_number_not_the_extension():
    assert phone_last4("138 1234 5678") == "5678"
    assert phone_last4("(010) 6552 9988转123") == "9988"
    assert phone_last4("") == ""
    assert phone_last4("123") == ""


# --- mask_phone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "1******5678"),
        ("+86 138 1234 5678", "1******5678"),
        ("010-65529988", "010-******88"),
        ("0571-8765432", "0571-******2"),
        ("65529988", "******88"),
        ("4008208820", "******8820"),
        ("+1 415 555 2671", "+*******2671"),
        ("13812345678转1234", "1******5678-1234"),
        ("12345", "*****"),
        ("无", ""),
        ("", ""),
    ],
)
def test_masked_phone_hides_at_least_six_digits(raw, masked):
    assert mask_phone(raw) == masked


@given(st.one_of(typed_phones.map(lambda pair: pair[0]), phone_like_text))
def test_masked_phone_never_shows_the_whole_number(raw):
    try:
        normalized = normalize_phone(raw)
    except ValueError:
        normalized = ""
    masked = mask_phone(raw)
    all_digits = re.sub(r"\D", "", normalized)
    if all_digits:
        assert all_digits not in re.sub(r"\D", "", masked)
    if len(all_digits) >= 10:
        assert masked.count("*") >= 6


@given(mobiles)
def test_masked_mobile_keeps_its_last_four_digits(number):
    masked = mask_phone(number)
    assert masked.endswith(number[-4:])
    assert masked.count("*") == 6


# --- mask_name -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("王", "*"), (" 李四 ", "李*"), ("John Smith", "J*********"), ("", "")],
)
def test_masked_name_keeps_only_the_first_character(name, masked):
    assert mask_name(name) == masked


@given(st.text())
def test_masked_name_hides_something_and_keeps_the_length(name):
    masked = mask_name(name)
    stripped = name.strip()
    assert len(masked) == len(stripped)
    if stripped:
        assert "*" in masked
        shown = [ch for ch in masked if ch != "*"]
        assert len(shown) <= (1 if len(stripped) > 1 else 0)


# --- mask_address_detail ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail", "masked"),
    [
        ("建国路88号SOHO现代城5号楼1203室", "建国路88号SOHO现代城*号楼****室"),
        ("中关村大街27号院3号楼2单元501", "中关村大街27号院*号楼*单元***"),
        ("世纪大道 100 号 ５号楼 ８０１", "世纪大道 100 号 *号楼 ***"),
        ("建国路5号楼1203", "建国路*号楼****"),
        ("SOHO现代城5号楼1203室", "SOHO现代城*号楼****室"),
        ("城关镇王庄村3组12号", "城关镇王庄村*组**号"),
        ("五号楼三单元", "五号楼三单元"),
        ("", ""),
    ],
)
def test_unit_and_room_digits_are_hidden_but_the_street_number_may_stay(detail, masked):
    assert mask_address_detail(detail) == masked


@given(st.text(alphabet="建国路街道村号楼栋单元室0123456789５ ", max_size=30))
def test_address_masking_only_turns_digits_into_stars(detail):
    masked = mask_address_detail(detail)
    assert len(masked) == len(detail)
    changed = [(a, b) for a, b in zip(detail, masked) if a != b]
    assert all(a.isdigit() and b == "*" for a, b in changed)
    first_run = re.search(r"\d+", detail)
    surviving = sum(ch.isdigit() for ch in masked)
    assert surviving <= (len(first_run.group()) if first_run else 0)
