"""The sandbox carrier: simulated JD Logistics (京东物流) traces, offline and deterministic.

Use it to try yundan, run demos and write tests without a JD account. Everything it shows is
made up; the UI labels such packages as simulated (``SandboxCarrier.simulated``).

Waybill numbers
---------------
A sandbox number is a valid-looking JD number, ``JDX`` + 12 digits, that always starts with
``JDX9``::

    JDX9  0  0000000042    ->  "JDX900000000042"
          |  `- 10-digit serial, from the allocating counter
          `- scenario digit: 0 = chosen by hash of the number, 1-6 = forced (table below)

``sandbox_waybill(serial, scenario=None)`` builds one, ``is_sandbox_waybill(no)`` recognises one
and ``scenario_of(no)`` says which scenario a number plays. The sandbox can simulate *any*
number, not only its own: digit 0 and every non-sandbox number get a scenario from a stable
SHA-256 hash of the number, with the default shares below.

Scenarios
---------
=====================  =====  =======  ===========================================================
name                   digit  share    what the trace shows
=====================  =====  =======  ===========================================================
delivered              1      70%      normal delivery to the door → 已签收 (delivered)
locker_pickup          2      10%      put into a 快递柜/驿站 (awaiting_pickup), collected 4-60 h
                                       later (delivered); a quarter wait longer: a 48 h reminder,
                                       collected on day 3-6
stalled                3       6%      stops after arriving at a hub; no update ever again
                                       (stays in_transit)
failed_then_delivered  4       6%      配送异常 (客户电话无人接听, 客户要求改期…), delivered the
                                       next morning → delivered
rejected_returned      5       5%      拒收 at the door → 退回中 back along the route → 已退回,
                                       signed by the merchant (returned)
lost                   6       3%      stalls like ``stalled``, then 丢失 about 7 days after the
                                       last scan (lost)
=====================  =====  =======  ===========================================================

``SCENARIOS`` holds this table as ``name -> (digit, share, Chinese description)``. The Django
setting ``YUNDAN_SANDBOX_SCENARIO`` (env ``YUNDAN_SANDBOX_SCENARIO``), when it names a
scenario, overrides it for every sandbox package (a demo where everything gets lost, say).

Traces
------
``trajectory(waybill_no, origin, destination, shipped_at, now, scenario=None)`` is the pure
core: origin 营业部 → origin province hub → (a national hub such as 武汉/郑州/西安 on trips over
~1200 km) → destination province hub → destination 营业部 → delivery. Line haul takes about
8 h + distance/60 h; delivery rounds leave 08:00-10:00 Beijing time. Events carry JD-style
operation titles (``raw_code``), Chinese texts, facility names and couriers with mobile
numbers; ``texts.RAW_STATUS`` maps each title to a normalized ``TrackingStatus``.

``SandboxCarrier(next_serials=None)`` is the carrier adapter (code ``"sandbox"``).
"""

from yundan.carriers.sandbox.adapter import SandboxCarrier, forced_scenario, memory_serials
from yundan.carriers.sandbox.numbers import (
    SCENARIOS,
    is_sandbox_waybill,
    sandbox_waybill,
    scenario_of,
)
from yundan.carriers.sandbox.texts import RAW_STATUS
from yundan.carriers.sandbox.trajectory import trajectory

__all__ = [
    "RAW_STATUS",
    "SCENARIOS",
    "SandboxCarrier",
    "forced_scenario",
    "is_sandbox_waybill",
    "memory_serials",
    "sandbox_waybill",
    "scenario_of",
    "trajectory",
]
