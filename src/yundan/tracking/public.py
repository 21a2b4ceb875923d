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

from django.db.models import F

from yundan.carriers.registry import carrier_name, is_simulated
from yundan.orders.receivers import mask_name, mask_phone
from yundan.shipping.models import Package
from yundan.shipping.waybills import normalize_waybill
from yundan.text import to_half_width
from yundan.tracking.models import TrackingEvent
from yundan.tracking.statuses import status_label

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


# Phone numbers inside carrier texts. Not next to other digits or letters, so waybill and order
# numbers (SF1234…, JDX0002…, 13-digit numbers) are never taken for phones.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9])"
_PHONE_IN_TEXT = re.compile(
    _EDGE_BEFORE + "(?:"
    r"(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}"  # mobile, maybe +86, maybe grouped 3-4-4
    r"|\(?0[1-9][0-9]{1,2}\)?[- ]?[2-9][0-9]{2,3}[- ]?[0-9]{4}"  # landline with its area code
    ")" + _EDGE_AFTER
)
# A bare 7–8 digit local number is only taken for a phone where the text says it is one.
_LOCAL_AFTER_WORD = re.compile(r"(电话|手机|联系方式|致电|热线|[Tt]el)([:：]?\s*)([2-9][0-9]{6,7})" + _EDGE_AFTER)


def mask_phones_in_text(text: str) -> str:
    """Every mobile and landline number in ``text`` masked as ``orders.receivers.mask_phone`` does
    (``1******5678``, ``010-******88``); everything else untouched.

    Service hotlines (400/800 numbers, 95xxx short numbers) are the carrier's public numbers and
    stay as they are. An extension after a number (``转1234``) stays too, as mask_phone keeps it.
    """
    text = _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group()), text)
    return _LOCAL_AFTER_WORD.sub(lambda m: m.group(1) + m.group(2) + mask_phone(m.group(3)), text)


def mask_names_in_text(text: str, names: tuple[str, ...]) -> str:
    """Each of ``names`` (of 2 characters or more) masked wherever it occurs: 张三 → 张*."""
    for name in names:
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text


@dataclass(frozen=True)
class PublicEvent:
    time: datetime
    status: str
    text: str  # the carrier's text, phones and known names masked
    location: str
    courier: str  # the courier's name and phone, masked; "" when the carrier gave none

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class PublicPackage:
    """A shipped package as the public sees it. Nothing here names the order or the receiver."""

    waybill_no: str
    carrier_name: str
    simulated: bool
    status: str
    events: tuple[PublicEvent, ...]  # newest first

    @property
    def status_label(self) -> str:
        return status_label(self.status)


def public_event(row: dict, receiver_name: str) -> PublicEvent:
    names = (receiver_name, row["courier_name"])
    courier = " ".join(filter(None, (mask_name(row["courier_name"]), mask_phone(row["courier_phone"]))))
    return PublicEvent(row["time"], row["status"], mask_names_in_text(mask_phones_in_text(row["raw_text"]), names),
                       mask_names_in_text(row["location"], names), courier)


EVENT_FIELDS = ("package_id", "time", "status", "raw_text", "location", "courier_name", "courier_phone")


def public_packages(packages: list[dict]) -> list[PublicPackage]:
    """``packages`` as value dicts with ``id, waybill_no, carrier, status, receiver_name`` → the
    public view of each, its events read in one query."""
    events: dict[int, list[PublicEvent]] = {package["id"]: [] for package in packages}
    receivers = {package["id"]: package["receiver_name"] for package in packages}
    rows = TrackingEvent.objects.filter(package_id__in=events).order_by("-time", "-id").values(*EVENT_FIELDS)
    for row in rows:
        events[row["package_id"]].append(public_event(row, receivers[row["package_id"]]))
    return [
        PublicPackage(package["waybill_no"], carrier_name(package["carrier"]), is_simulated(package["carrier"]),
                      package["status"], tuple(events[package["id"]]))
        for package in packages
    ]


def track(numbers: list[str]) -> dict[str, list[PublicPackage]]:
    """The public view of every shipped package with one of these (normalised) waybill numbers,
    by number; a number with none is absent, whether we never had it or it is not shipped yet.
    A number can have one package per carrier."""
    numbers = [n for n in numbers if len(n) <= _LONGEST_NUMBER]
    if not numbers:
        return {}
    rows = list(Package.objects.filter(waybill_no__in=numbers, shipped_at__isnull=False).order_by("waybill_no", "carrier")
                .values("id", "waybill_no", "carrier", "status", receiver_name=F("order__receiver_name")))
    found: dict[str, list[PublicPackage]] = {}
    for package in public_packages(rows):
        found.setdefault(package.waybill_no, []).append(package)
    return found
