"""Tests for yundan.orders.addresses.parse_address."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yundan.orders.addresses import ParsedAddress, parse_address
from yundan.regions import PROVINCES


@pytest.mark.parametrize(
    "line, expected",
    [
        ("浙江省杭州市西湖区文三路90号东部软件园1号楼302室",
         ("浙江省", "杭州市", "西湖区", "文三路90号东部软件园1号楼302室")),
        ("北京市朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
        ("北京朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
        ("广西南宁市青秀区民族大道100号",
         ("广西壮族自治区", "南宁市", "青秀区", "民族大道100号")),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放南路1号",
         ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放南路1号")),
        ("内蒙古呼和浩特市新城区新华大街1号",
         ("内蒙古自治区", "呼和浩特市", "新城区", "新华大街1号")),
        ("吉林省延边朝鲜族自治州延吉市光明街1号",
         ("吉林省", "延边朝鲜族自治州", "延吉市", "光明街1号")),
        ("湖北省恩施土家族苗族自治州恩施市舞阳大道1号",
         ("湖北省", "恩施土家族苗族自治州", "恩施市", "舞阳大道1号")),
        ("上海上海市浦东新区世纪大道100号", ("上海市", "上海市", "浦东新区", "世纪大道100号")),
        ("北京市北京市海淀区中关村大街1号", ("北京市", "北京市", "海淀区", "中关村大街1号")),
        ("重庆市渝中区解放碑步行街1号", ("重庆市", "重庆市", "渝中区", "解放碑步行街1号")),
        ("浙江省 杭州市 西湖区 文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
        ("  浙江省\u3000杭州市 西湖区 文三路90号 东部软件园 ",
         ("浙江省", "杭州市", "西湖区", "文三路90号 东部软件园")),
    ],
)
def test_brief_examples(line, expected):
    assert parse_address(line) == ParsedAddress(*expected)


@pytest.mark.parametrize(
    "line, expected",
    [
        # county (县)
        ("河北省石家庄市正定县常山路1号", ("河北省", "石家庄市", "正定县", "常山路1号")),
        # county-level city (市) not in the data: regex fallback
        ("四川省成都市都江堰市幸福街道", ("四川省", "成都市", "都江堰市", "幸福街道")),
        # banner (旗)
        ("内蒙古自治区鄂尔多斯市准格尔旗薛家湾镇", ("内蒙古自治区", "鄂尔多斯市", "准格尔旗", "薛家湾镇")),
        ("内蒙古兴安盟科尔沁右翼前旗乌兰浩特大街", ("内蒙古自治区", "兴安盟", "科尔沁右翼前旗", "乌兰浩特大街")),
        # 新区 / 开发区
        ("天津市滨海新区第三大街1号", ("天津市", "天津市", "滨海新区", "第三大街1号")),
        ("安徽省合肥市经济技术开发区翡翠路1号", ("安徽省", "合肥市", "经济技术开发区", "翡翠路1号")),
        # autonomous county longer than 8 characters
        ("吉林省松原市前郭尔罗斯蒙古族自治县乌兰大街1号",
         ("吉林省", "松原市", "前郭尔罗斯蒙古族自治县", "乌兰大街1号")),
        # city / prefecture not in the data: suffix regex
        ("甘肃省甘南藏族自治州合作市当周街1号", ("甘肃省", "甘南藏族自治州", "合作市", "当周街1号")),
        ("新疆维吾尔自治区阿克苏地区库车市天山路1号", ("新疆维吾尔自治区", "阿克苏地区", "库车市", "天山路1号")),
        # known districts that look like streets
        ("黑龙江省哈尔滨市道里区中央大街1号", ("黑龙江省", "哈尔滨市", "道里区", "中央大街1号")),
        ("浙江省台州市路桥区银座街1号", ("浙江省", "台州市", "路桥区", "银座街1号")),
        # province variants and missing suffixes
        ("广西省桂林市七星区漓江路1号", ("广西壮族自治区", "桂林市", "七星区", "漓江路1号")),
        ("浙江杭州西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
        # a known city alone identifies its province (吉林市 is not 吉林 + 市…)
        ("吉林市船营区北京路1号", ("吉林省", "吉林市", "船营区", "北京路1号")),
        ("杭州市西湖区文三路90号", ("浙江省", "杭州市", "西湖区", "文三路90号")),
        ("海南藏族自治州共和县1号", ("青海省", "海南藏族自治州", "共和县", "1号")),
        # no district
        ("浙江省杭州市文三路90号", ("浙江省", "杭州市", "", "文三路90号")),
        ("浙江省杭州市红旗路1号", ("浙江省", "杭州市", "", "红旗路1号")),
        ("浙江省杭州市阳光小区3幢", ("浙江省", "杭州市", "", "阳光小区3幢")),
        ("北京市农贸市场1号", ("北京市", "北京市", "", "农贸市场1号")),
        # province only
        ("浙江省", ("浙江省", "", "", "")),
        ("浙江省文三路90号", ("浙江省", "", "", "文三路90号")),
    ],
)
def test_district_kinds_and_edge_cases(line, expected):
    assert parse_address(line) == ParsedAddress(*expected)


@pytest.mark.parametrize(
    "line",
    ["上海路12号", "湖南路超市", "江西路", "hello world", "文三路90号", "香港九龙弥敦道1号", "Room 302"],
)
def test_unknown_text_ends_up_in_detail(line):
    assert parse_address(line) == ParsedAddress("", "", "", line)


@pytest.mark.parametrize("line", ["", "   ", "\u3000"])
def test_blank(line):
    assert parse_address(line) == ParsedAddress("", "", "", "")


def test_every_known_place_round_trips():
    for p in PROVINCES:
        for c in p.cities:
            for d in c.districts:
                for prefix in (p.name, p.short):
                    if c.name == p.name:
                        line = f"{prefix}{d}幸福路1号"
                    else:
                        line = f"{prefix}{c.name}{d}幸福路1号"
                    assert parse_address(line) == ParsedAddress(
                        p.name, c.name, d, "幸福路1号"
                    ), line


def _compact(s):
    return "".join(s.split())


_ADDRESS_ALPHABET = st.sampled_from(
    list("省市区县旗州盟地自治路街号楼室新开发 \u30001234")
    + [p.name for p in PROVINCES]
    + [p.short for p in PROVINCES]
    + [c.name for p in PROVINCES for c in p.cities]
    + [d for p in PROVINCES for c in p.cities for d in c.districts]
)


@settings(max_examples=400)
@given(st.one_of(st.text(), st.lists(_ADDRESS_ALPHABET, max_size=8).map("".join)))
def test_no_text_is_lost(line):
    r = parse_address(line)
    # detail is a suffix of the trimmed input (inner spacing preserved) …
    assert line.strip().endswith(r.detail)
    assert r.detail == r.detail.strip()
    # … and, ignoring whitespace, a suffix of the input.
    assert _compact(line).endswith(_compact(r.detail))
    if not r.province:
        assert (r.city, r.district, r.detail) == ("", "", line.strip())
    else:
        assert any(p.name == r.province for p in PROVINCES)
    if r.district:
        assert r.province
    # whatever was consumed before the detail is made of the recognised parts
    consumed = _compact(line)[: len(_compact(line)) - len(_compact(r.detail))]
    if r.district:
        assert consumed.endswith(r.district)
    assert len(consumed) <= len(r.province) + 2 * len(r.city) + len(r.district) + 3


@given(st.text())
def test_parse_is_deterministic_and_total(line):
    assert parse_address(line) == parse_address(line)


def test_one_line_writes_a_municipality_once():
    from yundan.orders.addresses import one_line

    assert one_line("北京市", "北京市", "朝阳区", "建国路88号") == "北京市朝阳区建国路88号"
    assert one_line("浙江省", "杭州市", "西湖区", "文三路90号") == "浙江省杭州市西湖区文三路90号"
    assert one_line("", "", "", "文三路90号") == "文三路90号"
