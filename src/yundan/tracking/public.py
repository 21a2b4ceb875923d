"""What the public tracking page may show of a package, and how it reads the numbers typed into it.

The page is open to anyone who has (or guesses) a waybill number, so what it carries is decided
here, by construction: ``PublicPackage`` has the carrier, the status and the timeline, and no field
for an order number, price, item, buyer id, name, full phone or address. The carrier's own event
texts are shown, with every phone number in them masked and the names we know (the receiver's,
the courier's) masked too.

Only shipped packages are public. A waybill number that was allocated (label printed) but whose
shipment was never confirmed answers exactly like a number we never had: otherwise the page
would tell a stranger which numbers a merchant has printed.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from itertools import groupby
from operator import itemgetter

from django.db import connection
from django.utils.timezone import get_current_timezone

from yundan.carriers.registry import carrier_name, is_simulated
from yundan.orders.models import Order
from yundan.orders.receivers import mask_name, mask_phone, mask_phones_in_text
from yundan.shipping.models import Package
from yundan.shipping.waybills import normalize_waybill
from yundan.text import to_half_width
from yundan.tracking.models import TrackingEvent

MAX_NUMBERS = 10
# Between numbers: whitespace, commas, semicolons and 、 (full-width ones are made half-width first).
_SEPARATORS = re.compile(r"[\s,;、]+")
_LONGEST_NUMBER = Package._meta.get_field("waybill_no").max_length


class TooManyNumbers(ValueError):
    def __init__(self, count: int):
        super().__init__(f"一次最多查询 {MAX_NUMBERS} 个运单号，输入了 {count} 个")
        self.count = count


def parse_waybill_numbers(text: str) -> list[str]:
    """The waybill numbers in what was typed or pasted, normalised, duplicates dropped, in order.

    One per line, or separated by commas, semicolons, 、 or spaces, in half- or full-width.
    More than ``MAX_NUMBERS`` distinct numbers is an error (TooManyNumbers, with the count).
    """
    numbers = []
    for part in _SEPARATORS.split(to_half_width(text)):
        number = normalize_waybill(part) if part else ""
        if number and number not in numbers:
            numbers.append(number)
    if len(numbers) > MAX_NUMBERS:
        raise TooManyNumbers(len(numbers))
    return numbers


def mask_names_in_text(text: str, names: tuple[str, ...]) -> str:
    """Each of ``names`` (of 2 characters or more) masked wherever it occurs: 张三 → 张*."""
    for name in names:
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text


@dataclass(frozen=True)
class PublicEvent:
    time: datetime  # in the configured time zone
    status: str
    text: str  # the carrier's text, phones and known names masked
    location: str
    courier: str  # the courier's name and phone, masked; "" when the carrier gave none

    @property
    def when(self) -> str:
        t = self.time
        return f"{t.year}-{t.month:02}-{t.day:02} {t.hour:02}:{t.minute:02}"


@dataclass(frozen=True)
class PublicPackage:
    """A shipped package as the public sees it. Nothing here names the order or the receiver."""

    waybill_no: str
    carrier_name: str
    simulated: bool
    status: str
    events: tuple[PublicEvent, ...]  # newest first


@lru_cache(maxsize=4096)
def _masked_text(text: str, receiver_name: str, courier_name: str) -> str:
    # Carriers repeat the same sentences for thousands of parcels: masking each once is enough.
    return mask_names_in_text(mask_phones_in_text(text), (receiver_name, courier_name))


@lru_cache(maxsize=4096)
def _masked_courier(name: str, phone: str) -> str:
    return " ".join(filter(None, (mask_name(name), mask_phone(phone))))


PACKAGES, ORDERS, EVENTS = Package._meta.db_table, Order._meta.db_table, TrackingEvent._meta.db_table
# One indexed query: the shipped packages (by waybill number or by order) with their receiver's
# name, which is only read to mask it in the texts, and their events, newest first.
_SHIPPED_WITH_EVENTS = (
    f"SELECT p.order_id, p.id, p.waybill_no, p.carrier, p.status, o.receiver_name, "
    f"e.time, e.status, e.raw_text, e.location, e.courier_name, e.courier_phone "
    f"FROM {PACKAGES} p JOIN {ORDERS} o ON o.id = p.order_id LEFT JOIN {EVENTS} e ON e.package_id = p.id "
    f"WHERE p.{{column}} IN ({{placeholders}}) AND p.shipped_at IS NOT NULL "
    f"ORDER BY p.order_id, p.sequence, p.id, e.time DESC, e.id DESC"
)


def shipped_packages(column: str, values: list) -> list[tuple[int, PublicPackage]]:
    """(order id, public view) of every shipped package whose ``column`` (``waybill_no`` or
    ``order_id``) is one of ``values``, in parcel order."""
    if column not in ("waybill_no", "order_id"):
        raise ValueError(f"shipped packages are found by waybill_no or order_id, not {column!r}")
    if not values:
        return []
    sql = _SHIPPED_WITH_EVENTS.format(column=column, placeholders=", ".join(["%s"] * len(values)))
    to_datetime = (partial(connection.ops.convert_datetimefield_value, expression=None, connection=connection)
                   if connection.vendor == "sqlite" else None)  # SQLite hands back text or naive UTC
    zone = get_current_timezone()  # once: asking per event cost more than the rest of the event
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    found = []
    for (order_id, _, waybill_no, carrier, status, receiver_name), group in groupby(rows, itemgetter(0, 1, 2, 3, 4, 5)):
        events = tuple(
            PublicEvent((to_datetime(time) if to_datetime else time).astimezone(zone), event_status,
                        _masked_text(text, receiver_name, courier_name),
                        mask_names_in_text(location, (receiver_name, courier_name)),
                        _masked_courier(courier_name, courier_phone))
            for *_, time, event_status, text, location, courier_name, courier_phone in group
            if time is not None  # a package without events comes once, its event columns NULL
        )
        package = PublicPackage(waybill_no, carrier_name(carrier), is_simulated(carrier), status, events)
        found.append((order_id, package))
    return found


def track(numbers: list[str]) -> dict[str, list[PublicPackage]]:
    """The public view of every shipped package with one of these (normalised) waybill numbers,
    by number; a number with none is absent, whether we never had it or it is not shipped yet.
    A number can have one package per carrier."""
    numbers = [n for n in numbers if len(n) <= _LONGEST_NUMBER]
    found: dict[str, list[PublicPackage]] = {}
    for _, package in shipped_packages("waybill_no", numbers):
        found.setdefault(package.waybill_no, []).append(package)
    return found
