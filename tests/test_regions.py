"""Tests for yundan.regions: the geography table must stay complete and sane."""

import math

import pytest

from yundan import regions
from yundan.regions import (
    MUNICIPALITIES,
    PROVINCES,
    REMOTE_PROVINCES,
    City,
    Province,
    distance_km,
    province_by_name,
)


def test_exactly_the_31_mainland_divisions():
    assert len(PROVINCES) == 31
    names = {p.name for p in PROVINCES}
    for outside in ("香港特别行政区", "澳门特别行政区", "台湾省"):
        assert outside not in names


def test_names_and_shorts_are_unique():
    assert len({p.name for p in PROVINCES}) == 31
    assert len({p.short for p in PROVINCES}) == 31
    assert len({p.hub for p in PROVINCES}) == 31


def test_full_names_have_official_suffixes():
    for p in PROVINCES:
        assert p.name.endswith(("省", "市", "自治区")), p.name
        assert p.name.startswith(p.short), p.name


def test_every_province_is_well_formed():
    for p in PROVINCES:
        assert isinstance(p, Province)
        assert p.cities[0].name == p.capital
        assert 1 <= len(p.cities) <= 5
        if p.name not in MUNICIPALITIES:
            assert len(p.cities) >= 2, p.name
        assert 18 <= p.lat <= 54 and 73 <= p.lon <= 135, p.name
        assert p.hub.startswith(p.capital.removesuffix("市")[:2]), p.hub
        assert p.hub.endswith("中心"), p.hub
        for c in p.cities:
            assert isinstance(c, City)
            assert c.name.endswith(("市", "自治州", "地区", "盟")), c.name
            assert 3 <= len(c.districts) <= 6, c.name
            assert len(set(c.districts)) == len(c.districts), c.name
            for d in c.districts:
                assert d.endswith(("区", "县", "市", "旗")), d


def test_city_names_are_unique_across_provinces():
    names = [c.name for p in PROVINCES for c in p.cities]
    assert len(names) == len(set(names))


def test_municipalities_have_a_single_city_named_like_themselves():
    assert MUNICIPALITIES == {"北京市", "上海市", "天津市", "重庆市"}
    for name in MUNICIPALITIES:
        p = province_by_name(name)
        assert p.capital == name
        assert [c.name for c in p.cities] == [name]
    assert "朝阳区" in province_by_name("北京").cities[0].districts
    assert "海淀区" in province_by_name("北京").cities[0].districts


@pytest.mark.parametrize(
    "text, full",
    [
        ("浙江省", "浙江省"),
        ("浙江", "浙江省"),
        ("广西壮族自治区", "广西壮族自治区"),
        ("广西", "广西壮族自治区"),
        ("内蒙古", "内蒙古自治区"),
        ("新疆", "新疆维吾尔自治区"),
        ("北京", "北京市"),
        ("北京市", "北京市"),
        ("黑龙江", "黑龙江省"),
        (" 西藏 ", "西藏自治区"),
    ],
)
def test_province_by_name_accepts_full_and_short(text, full):
    assert province_by_name(text).name == full


@pytest.mark.parametrize("text", ["", "香港", "杭州", "浙", "Zhejiang"])
def test_province_by_name_unknown(text):
    assert province_by_name(text) is None


def test_capitals():
    assert province_by_name("浙江").capital == "杭州市"
    assert province_by_name("吉林").capital == "长春市"
    assert province_by_name("内蒙古").capital == "呼和浩特市"
    assert province_by_name("新疆").capital == "乌鲁木齐市"


def test_remote_set():
    assert REMOTE_PROVINCES == {
        "新疆维吾尔自治区",
        "西藏自治区",
        "青海省",
        "内蒙古自治区",
        "甘肃省",
        "宁夏回族自治区",
    }
    assert all(p.remote == (p.name in REMOTE_PROVINCES) for p in PROVINCES)


def test_distance_beijing_shanghai():
    d = distance_km(province_by_name("北京"), province_by_name("上海"))
    assert 1070 - 60 <= d <= 1070 + 60


def test_distance_is_a_metric_on_capitals():
    bj, gz, xj = (province_by_name(n) for n in ("北京", "广东", "新疆"))
    assert distance_km(bj, bj) == 0
    assert math.isclose(distance_km(bj, gz), distance_km(gz, bj))
    assert 1800 <= distance_km(bj, gz) <= 1980  # Beijing–Guangzhou ≈ 1890 km
    assert distance_km(bj, xj) > 2000
    assert distance_km(xj, gz) <= distance_km(xj, bj) + distance_km(bj, gz)


def test_public_api():
    assert set(regions.__all__) >= {"City", "Province", "PROVINCES", "REMOTE_PROVINCES"}
