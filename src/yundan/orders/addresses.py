"""Split JD's one-line receiver address into province / city / district / detail.

Why: JD's order export gives the receiver address as a single string, but
routing (hub choice, remote-area thresholds) and exception rules need the
province and city as fields. A full gazetteer would be overkill, so this is
a small, predictable prefix parser.

The rule, applied left to right on the address with whitespace ignored:

1. **Province.** A full name at the start ("浙江省", "广西壮族自治区"; also the
   common variants "广西省" / "新疆自治区"). Failing that, a *known city's
   full name* at the start ("杭州市", "吉林市") identifies its province.
   Failing that, a short name ("浙江", "北京"), but only when what follows
   parses as a city (or, for a municipality, as a district), or nothing
   follows, so "上海路12号" is not read as Shanghai.
2. **City.** Municipalities: the city is the province name, and a repeated
   "北京市" (or "市辖区") right after it is consumed. Otherwise a known city
   of that province (full name, or the bare "杭州" form when a district
   follows), else the shortest "…市 / …自治州 / …地区 / …盟" token of at most
   12 characters. Without a recognised province no city is guessed.
3. **District.** A known district of that city (or of any city of the
   province if no city was found), else the shortest "…区 / …县 / …市 / …旗"
   token of at most 8 characters (12 for "…自治县/自治旗"). Only tried
   once a province is recognised.
4. **Detail.** Everything after the last recognised part, taken from the
   original text (inner spaces kept), trimmed. Nothing is ever dropped: if
   nothing is recognised the detail is the whole trimmed input.

Guessed (regex) tokens must not look like street text: they may not contain
路/街/巷/号/弄/楼/室/栋/幢, may not be directly followed by 路/街/巷/道, may
not end in 小区/社区/校区/景区/片区/厂区/超市, and "…市" may not be the start
of "市场". Known names from :mod:`yundan.regions` skip those checks (so
"路桥区" and "道里区" still work).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yundan.regions import MUNICIPALITIES, PROVINCES, City, Province


@dataclass(frozen=True)
class ParsedAddress:
    """The four parts of a receiver address; unknown parts are ""."""

    province: str
    city: str
    district: str
    detail: str


_CJK = "\u4e00-\u9fff"
_NOT_STREET = "(?![路街巷道])"
_CITY_RE = re.compile(rf"[{_CJK}]{{1,11}}?(?:自治州|地区|盟|市(?!场)){_NOT_STREET}")
_DISTRICT_RE = re.compile(rf"[{_CJK}]{{1,7}}?(?:区|县|旗|市(?!场)){_NOT_STREET}")
_AUTONOMOUS_DISTRICT_RE = re.compile(rf"[{_CJK}]{{1,10}}?自治[县旗]{_NOT_STREET}")
_CITY_MAX = 12
_DISTRICT_MAX = 8
_AUTONOMOUS_DISTRICT_MAX = 12
_STREET_CHARS = frozenset("路街巷号弄楼室栋幢")
_BAD_ENDINGS = ("小区", "社区", "校区", "景区", "片区", "厂区", "超市")


def _longest_first(names):
    # Longest first so "内蒙古自治区" beats "内蒙古" and "浦东新区" beats a prefix.
    return sorted(names, key=len, reverse=True)


def _full_province_names() -> list[tuple[str, Province]]:
    names: dict[str, Province] = {}
    for prov in PROVINCES:
        names[prov.name] = prov
        if not prov.name.endswith("省"):
            names[prov.short + "省"] = prov  # "广西省", "北京省" typos seen in exports
        if prov.name.endswith("自治区"):
            names[prov.short + "自治区"] = prov  # "新疆自治区"
    return [(n, names[n]) for n in _longest_first(names)]


_FULL_NAMES = _full_province_names()
_SHORT_NAMES = [(p.short, p) for p in sorted(PROVINCES, key=lambda p: len(p.short), reverse=True)]
_CITY_INDEX: list[tuple[str, Province, City]] = [
    (c.name, p, c)
    for p in PROVINCES
    if p.name not in MUNICIPALITIES
    for c in p.cities
]
_CITY_INDEX.sort(key=lambda t: len(t[0]), reverse=True)


def _guessed_ok(token: str) -> bool:
    """Reject regex tokens that are really street/compound text."""
    return not (_STREET_CHARS & set(token)) and not token.endswith(_BAD_ENDINGS)


def _match_regex(text: str, pattern: re.Pattern, max_len: int) -> str:
    m = pattern.match(text)
    if m and len(m.group()) <= max_len and _guessed_ok(m.group()):
        return m.group()
    return ""


def _match_district(text: str, known: tuple[str, ...]) -> str:
    """Return the district token at the start of ``text`` or ""."""
    for name in _longest_first(known):
        if text.startswith(name):
            return name
    return _match_regex(text, _DISTRICT_RE, _DISTRICT_MAX) or _match_regex(
        text, _AUTONOMOUS_DISTRICT_RE, _AUTONOMOUS_DISTRICT_MAX
    )


def _match_city(text: str, prov: Province) -> tuple[str, int, City | None]:
    """Return (normalised city name, chars consumed, known City or None)."""
    for city in sorted(prov.cities, key=lambda c: len(c.name), reverse=True):
        if text.startswith(city.name):
            return city.name, len(city.name), city
    for city in prov.cities:
        bare = city.name[:-1] if city.name.endswith("市") else ""
        if len(bare) >= 2 and text.startswith(bare) and not text.startswith(city.name):
            if _match_district(text[len(bare):], city.districts):
                return city.name, len(bare), city
    token = _match_regex(text, _CITY_RE, _CITY_MAX)
    return token, len(token), None


def _province_districts(prov: Province) -> tuple[str, ...]:
    return tuple(d for c in prov.cities for d in c.districts)


def _parse_rest(prov: Province, text: str, city_hint: City | None = None):
    """Parse city and district after the province.

    Returns (city, district, consumed_chars, found_something_after_province).
    """
    pos = 0
    if prov.name in MUNICIPALITIES:
        city_name = prov.name
        known = prov.cities[0].districts
        found = False
        for repeat in (prov.name + "市辖区", prov.name, "市辖区"):
            if text.startswith(repeat):
                pos, found = len(repeat), True
                break
    elif city_hint is not None:
        city_name, known, found = city_hint.name, city_hint.districts, True
    else:
        city_name, pos, city = _match_city(text, prov)
        found = bool(city_name)
        known = city.districts if city else (() if city_name else _province_districts(prov))
    district = _match_district(text[pos:], known)
    pos += len(district)
    return city_name, district, pos, found or bool(district)


def _compact(line: str) -> tuple[str, list[int]]:
    """Whitespace-free text plus, for each char, its index in ``line``."""
    chars, index = [], []
    for i, ch in enumerate(line):
        if not ch.isspace():
            chars.append(ch)
            index.append(i)
    return "".join(chars), index


def parse_address(line: str) -> ParsedAddress:
    """Split a one-line mainland address; see the module docstring for the rule."""
    line = line or ""
    text, index = _compact(line)

    prov = None
    city_hint = None
    start = 0
    for name, candidate in _FULL_NAMES:
        if text.startswith(name):
            prov, start = candidate, len(name)
            break
    if prov is None:
        for name, candidate, city in _CITY_INDEX:
            if text.startswith(name):
                prov, city_hint, start = candidate, city, len(name)
                break

    if prov is not None:
        city, district, used, _ = _parse_rest(prov, text[start:], city_hint)
    else:
        city = district = ""
        used = 0
        for short, candidate in _SHORT_NAMES:
            if not text.startswith(short):
                continue
            rest = text[len(short):]
            c, d, u, found = _parse_rest(candidate, rest)
            if found or not rest:
                prov, start, city, district, used = candidate, len(short), c, d, u
                break

    if prov is None:
        return ParsedAddress("", "", "", line.strip())
    cut = start + used
    detail = line[index[cut]:].strip() if cut < len(text) else ""
    return ParsedAddress(prov.name, city, district, detail)


__all__ = ["ParsedAddress", "parse_address"]


def one_line(province: str, city: str, district: str, detail: str) -> str:
    """The parts back on one line, as a label or a screen shows them; a municipality's name is
    written once (北京市朝阳区…, not 北京市北京市朝阳区…)."""
    return "".join(dict.fromkeys(part for part in (province, city, district) if part)) + detail
