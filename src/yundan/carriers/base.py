"""The carrier protocol: the one small interface every carrier adapter implements.

Nothing outside ``yundan.carriers`` knows a carrier's wire format; the rest of yundan speaks in
the plain data types below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class CarrierError(Exception):
    """A carrier could not do what was asked (bad credentials, network, refused request)."""


@dataclass(frozen=True)
class Address:
    province: str
    city: str
    district: str = ""
    detail: str = ""


@dataclass(frozen=True)
class AllocationRequest:
    """Ask a carrier for one waybill number for one parcel of an order."""

    order_no: str
    origin: Address
    destination: Address
    # Sandbox only: force a simulated scenario (see carriers.sandbox.SCENARIOS); others ignore it.
    scenario: str | None = None


@dataclass(frozen=True)
class Routing:
    """What the carrier says at allocation about where the parcel goes (JD's 预分拣 result):
    printed large on the label so sorting centres and couriers can route it at a glance."""

    origin_center: str = ""  # 始发分拣中心
    destination_center: str = ""  # 目的分拣中心
    sorting_code: str = ""  # 道口/笼车号
    route_area: str = ""  # 路区
    station: str = ""  # 目的营业部/站点
    product_name: str = ""  # 特惠送, 特快送…


@dataclass(frozen=True)
class Allocation:
    waybill_no: str
    routing: Routing = Routing()


@dataclass(frozen=True)
class TraceQuery:
    waybill_no: str
    origin: Address
    destination: Address
    shipped_at: datetime | None = None
    # SF and ZTO ask for the last 4 digits of the receiver's phone before they answer.
    phone_last4: str = ""
    # Our courier code (``Package.carrier``: "jd", "sf", …); an aggregator maps it to its own.
    carrier: str = ""
    # When the merchant asked the carrier to intercept the parcel and send it back, if they did.
    return_requested_at: datetime | None = None


@dataclass(frozen=True)
class TraceEvent:
    """One scan or status line, already mapped onto the normalized taxonomy."""

    time: datetime  # timezone-aware
    status: str  # a tracking.statuses.TrackingStatus value
    raw_code: str
    raw_text: str
    location: str = ""
    courier_name: str = ""
    courier_phone: str = ""


@dataclass
class TraceResult:
    waybill_no: str
    events: list[TraceEvent] = field(default_factory=list)  # oldest first
    found: bool = True  # False: the carrier has no record of this number (yet)
    error: str = ""


class Carrier(Protocol):
    code: str  # the adapter's kind ("sandbox", "jd_jos", "jd_lop", "kuaidi100"): the events' source
    name: str  # Chinese display name
    simulated: bool  # True for the sandbox: the UI must say the data is simulated

    def allocate_waybills(self, requests: Sequence[AllocationRequest]) -> list[Allocation]:
        """One new waybill number (with its label routing) per request, in request order.

        Adapters that cannot allocate (aggregators) raise ``CarrierError``."""
        ...

    def fetch_traces(self, queries: Sequence[TraceQuery]) -> dict[str, TraceResult]:
        """Traces for many waybills at once, keyed by waybill number.

        A failure that concerns one waybill is that waybill's ``TraceResult.error``; a failure of
        the whole account (bad credentials, host down) raises ``CarrierError``."""
        ...

    def subscribe(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        """Ask the carrier to push updates for these waybills: waybill → "" if accepted, else why.

        Carriers without push return an empty dict."""
        ...

    def request_return(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        """Ask the carrier to intercept these parcels and send them back (拦截退回): waybill → ""
        if accepted, else the carrier's reason. Raises ``CarrierError`` where the carrier has no
        such call (the merchant then asks the courier by phone)."""
        ...

    def check(self) -> str:
        """One signed call that proves the credentials and the endpoint work; returns what the
        carrier said. Raises ``CarrierError`` when it does not work."""
        ...


@dataclass(frozen=True)
class SettingKey:
    """One setting of a carrier account (all values are strings, as typed on the command line)."""

    name: str
    help: str
    default: str | None = None  # None: required
    secret: bool = False  # never printed back in full


@dataclass(frozen=True)
class CarrierKind:
    """A kind of carrier account: its settings and how to build its adapter from them."""

    kind: str
    label: str
    keys: tuple[SettingKey, ...]
    build: Callable[[Mapping[str, str]], Carrier]
    serves: frozenset[str] | None  # our courier codes it tracks; None: any courier (aggregator)
    allocates: bool = False  # can hand out waybill numbers
    direct: bool = True  # the courier's own platform (preferred over an aggregator)
