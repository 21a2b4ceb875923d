"""The simulated pre-sort result (预分拣) printed on a sandbox label.

It comes from the same seeded route as the parcel's trace, so the label's centres and station
are the ones the trace later passes through.
"""

from yundan.carriers.base import Address, Routing
from yundan.carriers.sandbox.numbers import stable_int
from yundan.carriers.sandbox.trajectory import seeded_route
from yundan.regions import PROVINCES

PRODUCT_NAME = "特惠送"
_LETTERS = "ABCDEFGHJK"


def label_routing(waybill_no: str, origin: Address, destination: Address) -> Routing:
    _, route = seeded_route(waybill_no, origin, destination)
    end = route.destination
    # 道口号 by destination province, 笼车号 and 路区 by station: the same station always sorts alike.
    region = PROVINCES.index(end.province) + 10 if end.province else 99
    station_key = stable_int("yundan-sandbox-station", end.station)
    letter = _LETTERS[station_key % len(_LETTERS)]
    return Routing(
        origin_center=route.hubs[0],
        destination_center=route.hubs[-1],
        sorting_code=f"{region:03d}-{letter}{station_key % 9 + 1}-{station_key % 40 + 1:02d}",
        route_area=f"{letter}{station_key % 30 + 1:02d}",
        station=end.station,
        product_name=PRODUCT_NAME,
    )
