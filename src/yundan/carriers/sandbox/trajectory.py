"""The simulated trace of one parcel: a pure, deterministic function of its inputs.

Everything random is drawn from a ``random.Random`` seeded with SHA-256 of the waybill number,
so a trace never changes between calls; ``now`` only cuts off the events still in the future.
The route, leg times and couriers are drawn first, so forcing another scenario on the same
number changes how the story ends, not how it starts.
"""

from __future__ import annotations

import random
from datetime import datetime

from yundan.carriers.base import Address, TraceEvent
from yundan.carriers.sandbox import texts
from yundan.carriers.sandbox.numbers import SCENARIOS, scenario_of, stable_int
from yundan.carriers.sandbox.route import Route, Stop, plan_route
from yundan.carriers.sandbox.timeline import Courier, Timeline, local
from yundan.shipping.waybills import normalize_waybill
from yundan.tracking.statuses import TrackingStatus as S
from yundan.tracking.statuses import is_terminal

BASE_LINE_HAUL_H = 8.0  # line haul takes about 8 h + distance / 60 km/h, spread over the legs
KM_PER_HOUR = 60.0
LOST_AFTER_H = 7 * 24  # a stalled parcel is declared lost about a week after its last scan
LATE_PICKUP_SHARE = 0.25  # locker parcels not collected within the 60 h window
COURIERS_PER_STATION = 4


def _leg_hours(route: Route, rng: random.Random) -> list[float]:
    """Hours of each leg: feeder to the first hub, hub-to-hub legs, feeder to the station."""

    def feeder(stop: Stop) -> float:
        return rng.uniform(1.5, 3.0) + (0.0 if stop.is_capital else rng.uniform(1.0, 3.0))

    first, last = feeder(route.origin), feeder(route.destination)
    base = max(2.0, BASE_LINE_HAUL_H - first - last) / max(len(route.trunk_km), 1)
    trunk = [(base + km / KM_PER_HOUR) * rng.uniform(0.9, 1.15) for km in route.trunk_km]
    return [first, *trunk, last]


def _line_haul(trace: Timeline, route: Route, legs: list[float], stall_at: int | None) -> bool:
    """Origin station -> hubs -> destination station; False if the parcel stalls at a hub."""
    stops = [route.origin.station, *route.hubs, route.destination.station]
    trace.wait(0.5, 2)
    trace.add("分拣", texts.sorted_at(stops[0]), stops[0])
    trace.wait(0.3, 1.5)
    trace.add("发货", texts.departed(stops[1]), stops[0])
    for i, hub in enumerate(route.hubs):
        trace.wait(legs[i])
        trace.add("到达", texts.arrived(hub), hub)
        if i == stall_at:
            return False
        trace.wait(1, 4)
        trace.add("分拣", texts.sorted_at(hub), hub)
        trace.wait(0.5, 2)
        trace.add("发货", texts.departed(stops[i + 2]), hub)
    trace.wait(legs[-1])
    trace.add("到达", texts.arrived(stops[-1]), stops[-1])
    return True


def _return_trip(trace: Timeline, route: Route, legs: list[float], sender: Courier) -> None:
    back = [route.destination.station, *reversed(route.hubs), route.origin.station]
    trace.wait(2, 6)
    trace.add("退货中", texts.departed(back[1], returning=True), back[0])
    for i in range(1, len(back)):
        trace.wait(legs[-i] * trace.rng.uniform(1.0, 1.2))
        trace.add("退货中", texts.arrived(back[i], returning=True), back[i])
        if i < len(back) - 1:
            trace.wait(1, 4)
            trace.add("退货中", texts.departed(back[i + 1], returning=True), back[i])
    trace.next_round()
    trace.wait(1, 4)
    trace.add("退货妥投", texts.RETURNED, back[-1], sender)


def _locker(trace: Timeline, who: Courier) -> None:
    rng, community = trace.rng, trace.rng.choice(texts.COMMUNITIES)
    trace.wait(1, 4)
    if rng.random() < 0.5:
        place = f"丰巢快递柜（{community}）"
        trace.add("投柜", texts.in_locker(place), place, who)
    else:
        place = f"菜鸟驿站（{community}店）"
        trace.add("驿站代收", texts.at_post_station(place), place, who)
    if rng.random() < LATE_PICKUP_SHARE:
        trace.wait(48)
        trace.add("滞留提醒", texts.pickup_reminder(place), place)
        trace.wait(24, 96)
    else:
        trace.wait(4, 60)
    trace.add("妥投", texts.PICKED_FROM_LOCKER, place, who)


def _last_mile(trace: Timeline, route: Route, scenario: str, who: Courier, sender: Courier,
               legs: list[float]) -> None:
    rng, station = trace.rng, route.destination.station
    trace.next_round()
    trace.add("派送", texts.out_for_delivery(*who), station, who)
    if scenario == "failed_then_delivered":
        trace.wait(1, 4)
        trace.add("配送异常", texts.delivery_failed(rng.choice(texts.FAILURE_REASONS), *who), station, who)
        trace.next_round(next_day=True)
        trace.add("派送", texts.out_for_delivery(*who), station, who)
    elif scenario == "rejected_returned":
        trace.wait(0.5, 3)
        trace.add("拒收", texts.rejected(rng.choice(texts.REJECTION_REASONS)), station, who)
        trace.wait(1, 3)
        trace.add("返回", texts.RETURN_STARTED, station)
        return _return_trip(trace, route, legs, sender)
    elif scenario == "locker_pickup":
        return _locker(trace, who)
    trace.wait(1, 5)
    trace.add("妥投", texts.delivered(rng.choice(texts.SIGNERS)), station, who)


def _intercepted(events: list, route: Route, legs: list[float], sender: Courier, at: datetime,
                 rng: random.Random) -> list:
    """The trace when the merchant intercepts the parcel at ``at``: what happened until then, then
    the way back from where it is to the sender. A parcel already delivered, returned or lost
    cannot be intercepted; one already on its way back just goes on."""
    kept = [e for e in events if e.time <= at]
    if not kept or any(is_terminal(e.status) or e.status in (S.RETURNING, S.REJECTED) for e in kept):
        return events
    forward = [route.origin.station, *route.hubs, route.destination.station]
    here = kept[-1].location
    position = forward.index(here) if here in forward else 0
    trace = Timeline(at, rng)
    trace.events = kept
    trace.wait(0.5, 3)
    trace.add("返回", texts.INTERCEPTED, here)
    back = list(reversed(forward[:position + 1]))
    for i in range(1, len(back)):
        trace.wait(1, 4)
        trace.add("退货中", texts.departed(back[i], returning=True), back[i - 1])
        trace.wait(legs[position - i] * rng.uniform(1.0, 1.2))  # legs[k]: forward[k] → forward[k + 1]
        trace.add("退货中", texts.arrived(back[i], returning=True), back[i])
    trace.next_round()
    trace.wait(1, 4)
    trace.add("退货妥投", texts.RETURNED, back[-1], sender)
    return trace.events


def seeded_route(waybill_no: str, origin: Address, destination: Address) -> tuple[random.Random, Route]:
    """The parcel's random source and route: the label's routing and the trace share them."""
    rng = random.Random(stable_int("yundan-sandbox-trajectory", normalize_waybill(waybill_no)))
    return rng, plan_route(origin, destination, rng)


def trajectory(waybill_no: str, origin: Address, destination: Address, shipped_at: datetime,
               now: datetime, scenario: str | None = None, intercepted_at: datetime | None = None) -> list[TraceEvent]:
    """The events of one simulated parcel up to ``now``, oldest first, times in Asia/Shanghai.

    ``scenario`` None plays ``scenario_of(waybill_no)``. Naive datetimes count as Beijing time.
    ``intercepted_at``: the merchant asked for the parcel back then (see ``_intercepted``).
    """
    scenario = scenario or scenario_of(waybill_no)
    if scenario not in SCENARIOS:
        raise ValueError(f"未知的模拟场景：{scenario!r}，可选：{'、'.join(SCENARIOS)}")
    rng, route = seeded_route(waybill_no, origin, destination)
    legs = _leg_hours(route, rng)
    stall_at = rng.randrange(len(route.hubs))
    sender = texts.courier(route.origin.station, rng.randrange(COURIERS_PER_STATION))
    who = texts.courier(route.destination.station, rng.randrange(COURIERS_PER_STATION))

    trace = Timeline(local(shipped_at), rng)
    trace.add("揽收任务分配", texts.NOTIFIED, route.origin.city)
    trace.wait(1, 6)
    trace.add("揽收", texts.picked_up(route.origin.station, *sender), route.origin.station, sender)
    stalls = scenario in ("stalled", "lost")
    if _line_haul(trace, route, legs, stall_at if stalls else None):
        _last_mile(trace, route, scenario, who, sender, legs)
    elif scenario == "lost":
        trace.wait(LOST_AFTER_H - 6, LOST_AFTER_H + 18)
        trace.add("丢失", texts.LOST, trace.events[-1].location)
    events = trace.events
    if intercepted_at is not None:
        turn = random.Random(stable_int("yundan-sandbox-intercept", normalize_waybill(waybill_no)))
        events = _intercepted(events, route, legs, sender, local(intercepted_at), turn)
    limit = local(now)
    return [event for event in events if event.time <= limit]
