"""Where a simulated parcel travels: origin station, hubs, destination station."""

from __future__ import annotations

import random
from dataclasses import dataclass

from yundan.carriers.base import Address
from yundan.carriers.sandbox.texts import short_place
from yundan.regions import City, Province, distance_km, province_by_name

# National hubs a long-haul parcel may pass through, when one lies roughly on the way.
NATIONAL_HUB_PROVINCES = ("湖北", "河南", "陕西", "湖南", "甘肃", "北京", "辽宁", "四川")
LONG_HAUL_KM = 1200.0
MAX_DETOUR = 0.35  # a via-hub may lengthen the trip by at most this share
UNKNOWN_KM = 1000.0  # distance assumed when a province is not recognised


@dataclass(frozen=True)
class Stop:
    city: str  # short city name, e.g. "杭州"
    station: str  # the 营业部 serving the address, e.g. "杭州西湖营业部"
    hub: str  # the province's sorting centre
    province: Province | None
    is_capital: bool  # the station sits in the hub's city (shorter feeder leg)


@dataclass(frozen=True)
class Route:
    origin: Stop
    destination: Stop
    hubs: tuple[str, ...]  # origin hub, [national hub], destination hub; one hub in-province
    trunk_km: tuple[float, ...]  # length of each hub-to-hub leg (len(hubs) - 1 entries)

    @property
    def distance_km(self) -> float:
        return sum(self.trunk_km)


def _find_city(province: Province, text: str) -> tuple[City | None, str]:
    """The region City for an address city (full or short name), and a district it implies."""
    wanted = short_place(text)
    for city in province.cities:
        if text and (city.name == text or short_place(city.name) == wanted):
            return city, ""
    for city in province.cities:  # municipalities: "朝阳区" given as the city
        if text and text in city.districts:
            return city, text
    return (None, "") if text else (province.cities[0], "")


def stop_for(address: Address, rng: random.Random) -> Stop:
    province = province_by_name(address.province)
    city_text, district = address.city.strip(), address.district.strip()
    if province is None:
        city = short_place(city_text or address.province) or "本地"
        district = short_place(district) if district else ""
        station = f"{city}{district if district != city else ''}营业部"
        return Stop(city, station, f"{city}转运中心", None, True)
    region_city, implied = _find_city(province, city_text)
    district = district or implied
    if not district and region_city and region_city.districts:
        district = rng.choice(region_city.districts)
    city = short_place(region_city.name if region_city else city_text)
    local = short_place(district) if district else ""
    station = f"{city}{local if local != city else ''}营业部"
    is_capital = region_city is not None and region_city.name == province.capital
    return Stop(city, station, province.hub, province, is_capital)


def _via_hub(a: Province, b: Province, rng: random.Random) -> Province | None:
    direct = distance_km(a, b)
    candidates = []
    for short in NATIONAL_HUB_PROVINCES:
        via = province_by_name(short)
        if via is None or via in (a, b):
            continue
        detour = distance_km(a, via) + distance_km(via, b) - direct
        if detour <= MAX_DETOUR * direct:
            candidates.append((detour, via.name, via))
    candidates.sort(key=lambda item: item[:2])
    return rng.choice(candidates[:2])[2] if candidates else None


def plan_route(origin: Address, destination: Address, rng: random.Random) -> Route:
    start, end = stop_for(origin, rng), stop_for(destination, rng)
    if start.hub == end.hub:
        return Route(start, end, (start.hub,), ())
    a, b = start.province, end.province
    if a is None or b is None:
        return Route(start, end, (start.hub, end.hub), (UNKNOWN_KM,))
    direct = distance_km(a, b)
    via = _via_hub(a, b, rng) if direct > LONG_HAUL_KM else None
    if via is None:
        return Route(start, end, (start.hub, end.hub), (direct,))
    return Route(start, end, (start.hub, via.hub, end.hub), (distance_km(a, via), distance_km(via, b)))
