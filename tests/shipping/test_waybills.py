import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from yundan.shipping.waybills import (
    CARRIER_NAMES,
    candidate_carriers,
    is_jd_waybill,
    looks_like_order_no,
    looks_like_waybill,
    normalize_waybill,
    parse_package_code,
)

JD_SAMPLES = ["JDX000234596031", "JDVA00003618100", "JDVC00000186621", "VA00040295430", "VB42164864976"]

# Characters that exercise every cleaning rule, so hypothesis hits them often.
TRICKY = " \t\u00a0\u3000\u200b\ufeff'＇-－0123456789０１９jdxJDXｊｄＸsfSF"
# Whole pieces too, so stacked apostrophes and stacked package suffixes come up.
PIECES = ["'", "＇", " ", "-", "－", "-1", "-2", "-0", "-1-2", "JDX000234596031", "sf", "１"]
waybill_like = st.one_of(
    st.text(), st.text(alphabet=TRICKY), st.lists(st.sampled_from(PIECES)).map("".join)
)


def test_jd_package_suffix_is_stripped_before_lookup():
    assert normalize_waybill("JDX000234596031-1-5-") == "JDX000234596031"
    assert normalize_waybill("JDX000234596031-2-2") == "JDX000234596031"


def test_package_code_tells_which_parcel_of_how_many():
    assert parse_package_code("JDX000234596031-1-5-") == ("JDX000234596031", 1, 5)
    assert parse_package_code("jdx000234596031") == ("JDX000234596031", None, None)


@pytest.mark.parametrize("raw", ["JDX000234596031-0-5-", "JDX000234596031-6-5", "JDX000234596031-1-"])
def test_a_suffix_that_is_not_a_valid_parcel_count_is_kept(raw):
    assert normalize_waybill(raw) == raw


def test_pasted_number_with_excel_apostrophe_full_width_and_odd_spaces_is_cleaned():
    raw = " '\uff4a\uff44\uff58000 234\u3000596\u00a0031\u200b\t"  # 'ｊｄｘ000 234　596 031
    assert normalize_waybill(raw) == "JDX000234596031"


def test_full_width_hyphen_suffix_is_also_stripped():
    assert normalize_waybill("ＪＤＸ０００２３４５９６０３１－１－５－") == "JDX000234596031"


def test_apostrophe_inside_a_number_is_not_treated_as_the_excel_marker():
    assert normalize_waybill("AB'12") == "AB'12"


@given(waybill_like)
@example("''JDX000234596031")
@example("JDX000234596031-1-2-1-2")
def test_normalizing_twice_changes_nothing(raw):
    once = normalize_waybill(raw)
    assert normalize_waybill(once) == once


@given(waybill_like)
def test_normalized_number_has_no_whitespace_lowercase_or_leading_apostrophe(raw):
    clean = normalize_waybill(raw)
    assert not any(ch.isspace() for ch in clean)
    assert not clean.startswith("'")
    assert not any("\uff01" <= ch <= "\uff5e" for ch in clean)
    assert clean == clean.upper()


@given(
    st.sampled_from(JD_SAMPLES),
    st.integers(min_value=1, max_value=99).flatmap(
        lambda total: st.tuples(st.integers(min_value=1, max_value=total), st.just(total))
    ),
    st.sampled_from(["", "-"]),
)
def test_every_valid_package_suffix_is_recognised(waybill, n_total, tail):
    n, total = n_total
    raw = f"{waybill.lower()}-{n}-{total}{tail}"
    assert parse_package_code(raw) == (waybill, n, total)
    assert is_jd_waybill(raw)


@pytest.mark.parametrize("number", JD_SAMPLES)
def test_jd_numbers_are_recognised(number):
    assert is_jd_waybill(number)
    assert candidate_carriers(number)[0] == "jd"


@pytest.mark.parametrize(
    "number",
    ["JDX00023459603", "JDX0002345960311", "JDVD00003618100", "VC00040295430", "SF1673179789153", ""],
)
def test_near_miss_jd_shapes_are_not_jd_waybills(number):
    assert not is_jd_waybill(number)


def test_jd_shaped_number_outside_known_series_is_only_a_weak_jd_candidate():
    assert not is_jd_waybill("JDAB12345678901")
    assert candidate_carriers("JDAB12345678901") == ["jd"]


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("SF1673179789153", "sf"),
        ("78474409893076", "zto"),
        ("73190553102532", "zto"),
        ("YT9693083639795", "yto"),
        ("77316523125896", "sto"),
        ("462598779470531", "yunda"),
        ("3950055201640", "yunda"),
        ("1240921381750", "ems"),
        ("JT0006968326954", "jt"),
        ("DPK364112047425", "deppon"),
        ("EA123456789CN", "ems"),
        ("PA12345678901", "ems"),
    ],
)
def test_best_carrier_guess_for_published_sample_numbers(number, carrier):
    assert candidate_carriers(number)[0] == carrier
    assert not is_jd_waybill(number)


def test_overlapping_ranges_give_several_candidates_best_first():
    # 15 digits starting 43: STO's 43 series and Yunda's [34] series both fit.
    assert candidate_carriers("431234567890123") == ["sto", "yunda"]


def test_twelve_plain_digits_are_only_a_weak_sf_guess_and_could_be_an_order_no():
    assert candidate_carriers("123456789012") == ["sf"]
    assert looks_like_order_no("123456789012")


def test_carrier_guess_works_on_raw_pasted_text():
    assert candidate_carriers(" sf 1673 1797 89153 ") == ["sf"]


@pytest.mark.parametrize("number", ["", "HELLO", "12345", "JDX", "SF123", "1" * 21])
def test_unknown_numbers_have_no_candidates(number):
    assert candidate_carriers(number) == []
    assert not looks_like_waybill(number)


@given(waybill_like)
def test_candidates_are_known_codes_without_duplicates(raw):
    found = candidate_carriers(raw)
    assert len(found) == len(set(found))
    assert set(found) <= set(CARRIER_NAMES)
    assert looks_like_waybill(raw) == bool(found)


@pytest.mark.parametrize("number", ["12345678", "300012345678", "1" * 20, " 2345 6789 0123 ", "'12345678"])
def test_jd_order_numbers_are_8_to_20_digits(number):
    assert looks_like_order_no(number)


@pytest.mark.parametrize("number", ["1234567", "1" * 21, "JDX000234596031", "12345678-1-2", ""])
def test_text_that_is_not_8_to_20_digits_is_not_an_order_no(number):
    assert not looks_like_order_no(number)
